"""Rehearsal: parsing --rehearse, and batches that always mix the new data and the rehearsed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pi0_core.train.rehearsal import (
    MixedSampler,
    Pool,
    batch_pools,
    check_rehearsals,
    parse_rehearsal,
    rehearsed_only,
)
from pi0_core.train.setup import build
from tests.pi0_core.conftest import train_config
from tests.pi0_core.episodes import write_folder


def test_folders_and_fraction_are_parsed() -> None:
    rehearsal = parse_rehearsal("data/a,data/b:0.3")
    assert (rehearsal.paths, rehearsal.fraction) == (("data/a", "data/b"), 0.3)


def test_fraction_defaults_to_a_half() -> None:
    assert parse_rehearsal("data/a").fraction == 0.5


def test_a_colon_inside_a_path_is_not_a_fraction() -> None:
    assert parse_rehearsal("C:data").paths == ("C:data",)


@pytest.mark.parametrize("text", ["data:1.5", "data:0", ":0.3"])
def test_bad_rehearsal_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="--rehearse"):
        parse_rehearsal(text)


def test_fractions_must_leave_room_for_the_new_data() -> None:
    with pytest.raises(ValueError, match="add up to 1"):
        check_rehearsals(["a:0.5", "b:0.5"])


def test_pools_split_each_batch() -> None:
    pools = batch_pools([100, 50, 30], [0.25, 0.125], batch_size=8)
    assert pools == [Pool(0, 100, 5), Pool(100, 150, 2), Pool(150, 180, 1)]


def test_rehearsed_only_fills_a_batch_with_the_rehearsed_pools_in_their_shares() -> None:
    pools = [Pool(0, 100, 5), Pool(100, 150, 2), Pool(150, 180, 1)]
    assert rehearsed_only(pools, batch_size=8) == [Pool(100, 150, 5), Pool(150, 180, 3)]
    batch = MixedSampler(rehearsed_only(pools, 8), seed=0).batch(0)
    assert len(batch) == 8 and min(batch) >= 100
    with pytest.raises(ValueError, match="no rehearsed data"):
        rehearsed_only(pools[:1], batch_size=8)


def test_batch_too_small_for_the_new_data_is_refused() -> None:
    with pytest.raises(ValueError, match="no room for the new data"):
        batch_pools([10, 10], [0.9], batch_size=2)


def test_every_batch_holds_each_pools_share() -> None:
    pools = [Pool(0, 100, 6), Pool(100, 150, 2)]
    sampler = MixedSampler(pools, seed=3)
    indices = iter(sampler)
    for _ in range(20):
        batch = [next(indices) for _ in range(8)]
        assert sum(i < 100 for i in batch) == 6
        assert sum(100 <= i < 150 for i in batch) == 2


def test_resumed_sampler_continues_the_same_sequence() -> None:
    pools = [Pool(0, 40, 3), Pool(40, 60, 1)]
    straight = iter(MixedSampler(pools, seed=1))
    whole = [next(straight) for _ in range(40)]
    resumed = iter(MixedSampler(pools, seed=1, start=14))
    assert [next(resumed) for _ in range(26)] == whole[14:]


def test_weights_apply_within_a_pool() -> None:
    weights = np.ones(20)
    weights[:5] = 1000.0
    batch = MixedSampler([Pool(0, 10, 50), Pool(10, 20, 1)], seed=0, weights=weights).batch(0)
    assert sum(i < 5 for i in batch[:50]) > 45


def test_run_parts_know_the_rehearsed_range(tmp_path: Path, micro_init: Path) -> None:
    new = write_folder(tmp_path / "new", episodes=1, steps=12)
    old = write_folder(tmp_path / "old", episodes=2, steps=10)
    config = train_config(new, tmp_path / "out", micro_init, rehearse=(f"{old}:0.25",))
    parts = build(config)
    assert parts.pools == [Pool(0, 12, 3), Pool(12, 32, 1)]
    assert len(parts.dataset) == 32


def test_training_with_rehearsal_runs_and_resumes_the_same(
    tmp_path: Path, micro_init: Path
) -> None:
    from pi0_core.train.loop import train
    from pi0_core.train.metrics import read_metrics

    new = write_folder(tmp_path / "new", episodes=1, steps=12)
    old = write_folder(tmp_path / "old", episodes=1, steps=10)

    def config(out: str):
        return train_config(new, tmp_path / out, micro_init, steps=4, rehearse=(f"{old}:0.25",))

    train(config("straight"))
    train(config("resumed"), stop_at=2)
    train(config("resumed"), resume_run=True)
    losses = [[r["loss"] for r in read_metrics(tmp_path / out)] for out in ("straight", "resumed")]
    assert len(losses[0]) == 4
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-5)
