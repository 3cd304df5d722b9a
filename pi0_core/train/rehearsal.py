"""Rehearsal: samples of other episode folders mixed into every batch, so old skills stay."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import Sampler

from pi0_core.train.finetune_defaults import REHEARSE_FRACTION

DEFAULT_FRACTION = REHEARSE_FRACTION  # share of each batch when --rehearse DIR gives none
INIT = "init"  # --rehearse init: the starting checkpoint's own data, regenerated


@dataclass(frozen=True)
class Rehearsal:
    """Episode folders or files to rehearse, and the share of every batch they fill."""

    paths: tuple[str, ...]
    fraction: float

    def __post_init__(self) -> None:
        if not self.paths:
            raise ValueError("--rehearse needs a folder (DIR[,DIR][:FRACTION])")
        if not 0 < self.fraction < 1:
            raise ValueError(f"--rehearse fraction must be in (0, 1), got {self.fraction:g}")

    @property
    def text(self) -> str:
        """The DIR[,DIR]:FRACTION form it was parsed from."""
        return f"{','.join(self.paths)}:{self.fraction:g}"


def parse_rehearsal(text: str) -> Rehearsal:
    """`DIR[,DIR][:FRACTION]` -> Rehearsal (FRACTION defaults to DEFAULT_FRACTION)."""
    head, sep, tail = text.rpartition(":")
    fraction, folders = DEFAULT_FRACTION, text
    if sep:
        with contextlib.suppress(ValueError):  # else a colon inside a path, no fraction
            fraction, folders = float(tail), head
    paths = tuple(part.strip() for part in folders.split(",") if part.strip())
    return Rehearsal(paths, fraction)


def check_rehearsals(entries: Sequence[str]) -> list[Rehearsal]:
    """Parse every --rehearse; together they must leave room for the new data."""
    rehearsals = [parse_rehearsal(entry) for entry in entries]
    total = sum(r.fraction for r in rehearsals)
    if total >= 1:
        raise ValueError(
            f"--rehearse fractions add up to {total:g}: they must leave the new data room"
        )
    return rehearsals


@dataclass(frozen=True)
class Pool:
    """A contiguous range of dataset indices and how many of each batch are drawn from it."""

    start: int
    stop: int
    per_batch: int


def batch_pools(sizes: Sequence[int], fractions: Sequence[float], batch_size: int) -> list[Pool]:
    """Pools over consecutive index ranges of `sizes`: the first (the new data) takes what the
    rehearsed ones (with `fractions`, at least one sample each) leave of a batch."""
    counts = [max(1, round(f * batch_size)) for f in fractions]
    first = batch_size - sum(counts)
    if first < 1:
        raise ValueError(
            f"--batch-size {batch_size} leaves no room for the new data beside {len(counts)} "
            "rehearsed folder(s): raise it"
        )
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    return [Pool(int(bounds[i]), int(bounds[i + 1]), n) for i, n in enumerate([first, *counts])]


def rehearsed_only(pools: Sequence[Pool], batch_size: int) -> list[Pool]:
    """The rehearsed pools of `pools` (all but the first, the new data's), their shares scaled
    up to fill a batch of `batch_size`: batches of the data the starting checkpoint knows."""
    rehearsed = list(pools[1:])
    if not rehearsed:
        raise ValueError("no rehearsed data: give --rehearse")
    total = sum(pool.per_batch for pool in rehearsed)
    counts = [max(1, round(pool.per_batch * batch_size / total)) for pool in rehearsed]
    counts[-1] = max(1, batch_size - sum(counts[:-1]))
    return [Pool(p.start, p.stop, n) for p, n in zip(rehearsed, counts, strict=True)]


class MixedSampler(Sampler[int]):
    """Endless batches, each holding `pool.per_batch` draws (with replacement, by weight) from
    every pool; batch b of process `rank` depends only on (seed, rank, b), so a run resumed at
    sample `start` sees what an unbroken one would."""

    def __init__(
        self,
        pools: Sequence[Pool],
        seed: int,
        rank: int = 0,
        start: int = 0,
        weights: np.ndarray | None = None,
    ) -> None:
        if any(pool.stop <= pool.start for pool in pools):
            raise ValueError("a rehearsed folder has no samples")
        self.pools, self.seed, self.rank, self.start = list(pools), seed, rank, start
        self.batch_size = sum(pool.per_batch for pool in pools)
        total = self.pools[-1].stop
        full = np.ones(total) if weights is None else np.asarray(weights, dtype=np.float64)
        self.weights = [torch.as_tensor(full[p.start : p.stop]) for p in self.pools]

    def batch(self, index: int) -> list[int]:
        """The dataset indices of batch `index`, the new data's first."""
        generator = torch.Generator().manual_seed(
            (self.seed * 100_003 + self.rank * 10_007 + index) % (2**63)
        )
        out: list[int] = []
        for pool, weights in zip(self.pools, self.weights, strict=True):
            draws = torch.multinomial(weights, pool.per_batch, True, generator=generator)
            out.extend((draws + pool.start).tolist())
        return out

    def __iter__(self) -> Iterator[int]:
        index, skip = divmod(self.start, self.batch_size)
        while True:
            yield from self.batch(index)[skip:]
            skip, index = 0, index + 1

    def __len__(self) -> int:
        return 2**62  # endless: training stops by step count
