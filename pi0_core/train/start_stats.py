"""Normalisation statistics of a run that starts from a checkpoint: keep, recompute or merge."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pi0_core.transforms import Normalize
from recordings.stats import NormStats

STATS_MODES = ("init", "data", "merge")  # --stats: the checkpoint's, the data's, or both
MIN_STD = Normalize.min_std  # the floor normalisation divides by
SHOWN = 0.05  # joints falling outside by less than this many std are not named in the log line


def choose_stats(mode: str, checkpoint: NormStats | None, data: NormStats) -> NormStats:
    """The statistics a run trains with; without checkpoint statistics, the data's."""
    if mode not in STATS_MODES:
        raise ValueError(f"--stats must be one of {', '.join(STATS_MODES)}, got {mode!r}")
    if checkpoint is None or mode == "data":
        return data
    return checkpoint if mode == "init" else merge_stats(checkpoint, data)


def merge_stats(checkpoint: NormStats, data: NormStats) -> NormStats:
    """The checkpoint's statistics, widened per joint where the data's 1-99 % range reaches
    beyond the checkpoint's; no spread shrinks and the means stay.

    The spread grows by the factor the range grows, so the data normalise within the span (in
    std) the checkpoint's own range had.
    """
    state = _widen(checkpoint, data, "state")
    action = _widen(checkpoint, data, "action")
    return NormStats(**state, **action)


def _widen(checkpoint: NormStats, data: NormStats, key: str) -> dict[str, np.ndarray]:
    mean, std = getattr(checkpoint, f"{key}_mean"), getattr(checkpoint, f"{key}_std")
    low, high = getattr(checkpoint, f"{key}_q01"), getattr(checkpoint, f"{key}_q99")
    new_low = np.minimum(low, getattr(data, f"{key}_q01"))
    new_high = np.maximum(high, getattr(data, f"{key}_q99"))
    old_range, new_range = high - low, new_high - new_low
    scale = np.where(old_range > MIN_STD, new_range / np.maximum(old_range, MIN_STD), 1.0)
    widened = std * np.maximum(scale, 1.0)
    # A joint that never moved for the checkpoint has no range to scale: take the data's spread.
    widened = np.where(old_range > MIN_STD, widened, np.maximum(std, getattr(data, f"{key}_std")))
    return {
        f"{key}_mean": mean,
        f"{key}_std": widened,
        f"{key}_q01": new_low,
        f"{key}_q99": new_high,
    }


def outside(checkpoint: NormStats, data: NormStats, key: str) -> np.ndarray:
    """Per joint, how far the data's 1-99 % range reaches beyond the checkpoint's, in the
    checkpoint's std (0 where it stays inside)."""
    std = np.maximum(getattr(checkpoint, f"{key}_std"), MIN_STD)
    below = getattr(checkpoint, f"{key}_q01") - getattr(data, f"{key}_q01")
    above = getattr(data, f"{key}_q99") - getattr(checkpoint, f"{key}_q99")
    return np.maximum(np.maximum(below, above), 0.0) / std


def outside_line(checkpoint: NormStats, data: NormStats, names: Sequence[str], mode: str) -> str:
    """One log line: where the data fall outside the checkpoint's statistics, and what is used."""
    parts = []
    for key, label in (("state", "state"), ("action", "actions")):
        excess = outside(checkpoint, data, key)
        labels = names if len(names) == len(excess) else [str(i) for i in range(len(excess))]
        shown = [f"{n} {e:.1f}" for n, e in zip(labels, excess, strict=True) if e >= SHOWN]
        parts.append(f"{label} {', '.join(shown) if shown else 'inside'}")
    return (
        "the new data beyond the checkpoint's 1-99 % range, per joint in the checkpoint's std: "
        f"{'; '.join(parts)} (--stats {mode}: {_meaning(mode)})"
    )


def _meaning(mode: str) -> str:
    return {
        "init": "training with the checkpoint's statistics",
        "data": "training with the new data's statistics",
        "merge": "training with the checkpoint's, widened where the data need it",
    }[mode]
