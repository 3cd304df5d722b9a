"""Statistics of a run started from a checkpoint: kept, recomputed or merged, and the log line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pi0_core.spec import PolicySpec
from pi0_core.train.setup import build
from pi0_core.train.start_stats import choose_stats, merge_stats, outside, outside_line
from recordings.stats import NormStats, compute_norm_stats
from tests.pi0_core.conftest import train_config
from tests.pi0_core.episodes import write_folder


def _stats(mean: float, std: float, low: float, high: float, dim: int = 3) -> NormStats:
    full = [np.full(dim, v, dtype=np.float32) for v in (mean, std, low, high)]
    return NormStats(*full, *full)


def test_merge_widens_where_the_data_reach_beyond() -> None:
    checkpoint = _stats(0.0, 1.0, -2.0, 2.0)
    data = NormStats(
        *([np.array([0.0, 0.0, 0.0])] * 2),
        np.array([-1.0, -2.0, -4.0]),
        np.array([1.0, 6.0, 2.0]),
        *([np.zeros(3)] * 2),
        -np.ones(3),
        np.ones(3),
    )
    merged = merge_stats(checkpoint, data)
    # range 4 -> 4, 8, 6: the spread grows by that factor, the means stay
    np.testing.assert_allclose(merged.state_std, [1.0, 2.0, 1.5])
    np.testing.assert_allclose(merged.state_mean, checkpoint.state_mean)
    np.testing.assert_allclose(merged.state_q01, [-2.0, -2.0, -4.0])
    np.testing.assert_allclose(merged.state_q99, [2.0, 6.0, 2.0])
    np.testing.assert_allclose(merged.action_std, checkpoint.action_std)


def test_merge_never_shrinks_a_spread() -> None:
    checkpoint = _stats(0.0, 1.0, -2.0, 2.0)
    narrow = _stats(0.0, 0.001, -0.001, 0.001)
    merged = merge_stats(checkpoint, narrow)
    np.testing.assert_allclose(merged.state_std, checkpoint.state_std)
    np.testing.assert_allclose(merged.action_std, checkpoint.action_std)


def test_merge_gives_a_still_joint_the_datas_spread() -> None:
    checkpoint = _stats(0.0, 0.0, 0.0, 0.0)
    data = _stats(0.5, 0.3, -0.2, 1.0)
    np.testing.assert_allclose(merge_stats(checkpoint, data).state_std, 0.3, rtol=1e-6)


def test_outside_is_in_the_checkpoints_std() -> None:
    checkpoint = _stats(0.0, 0.5, -1.0, 1.0)
    data = _stats(0.0, 1.0, -2.0, 1.5)
    np.testing.assert_allclose(outside(checkpoint, data, "state"), 2.0)  # 1 below / 0.5


def test_log_line_names_the_joints_outside() -> None:
    checkpoint = _stats(0.0, 1.0, -1.0, 1.0, dim=2)
    data = NormStats(
        *([np.zeros(2)] * 2),
        np.array([-1.0, -1.0]),
        np.array([1.0, 3.0]),
        *([np.zeros(2)] * 2),
        -np.ones(2),
        np.ones(2),
    )
    line = outside_line(checkpoint, data, ("left_waist", "left_elbow"), "init")
    assert "state left_elbow 2.0" in line and "left_waist" not in line
    assert "actions inside" in line


@pytest.mark.parametrize("mode", ["init", "data", "merge"])
def test_choose_stats_by_mode(mode: str) -> None:
    checkpoint, data = _stats(0.0, 1.0, -2.0, 2.0), _stats(1.0, 3.0, -9.0, 9.0)
    chosen = choose_stats(mode, checkpoint, data)
    expected = {"init": checkpoint, "data": data}.get(mode, merge_stats(checkpoint, data))
    np.testing.assert_allclose(chosen.state_std, expected.state_std)


def test_without_checkpoint_stats_the_datas_are_used() -> None:
    data = _stats(1.0, 3.0, -9.0, 9.0)
    assert choose_stats("init", None, data) is data


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="--stats must be one of"):
        choose_stats("mean", None, _stats(0, 1, -1, 1))


@pytest.mark.parametrize("mode", ["init", "data"])
def test_run_from_a_checkpoint_keeps_its_stats_by_default(
    tmp_path: Path, micro_init: Path, mode: str
) -> None:
    data = write_folder(tmp_path / "data", episodes=1, steps=12)
    parts = build(train_config(data, tmp_path / "out", micro_init, stats=mode))
    expected = PolicySpec.load(micro_init).stats if mode == "init" else compute_norm_stats(data)
    np.testing.assert_allclose(parts.spec.stats.state_std, expected.state_std, rtol=1e-6)


def test_default_stats_mode_is_init() -> None:
    from pi0_core.train.config import TrainConfig

    assert TrainConfig(data=("d",), out="o", init="c").stats == "init"
