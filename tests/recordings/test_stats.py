"""Normalisation statistics against numpy over all frames of a folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from recordings.stats import NormStats, compute_norm_stats
from tests.recordings.episodes import write_aloha_episode, write_episode


def test_stats_match_numpy_over_all_frames(tmp_path: Path) -> None:
    first = write_episode(tmp_path / "episode_0.hdf5", steps=30, seed=0)
    second = write_aloha_episode(tmp_path / "episode_1.hdf5", steps=20, compress=False, seed=1)
    stats = compute_norm_stats(tmp_path)
    state = np.concatenate([first["qpos"], second["qpos"]])
    action = np.concatenate([first["action"], second["action"]])
    np.testing.assert_allclose(stats.state_mean, state.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(stats.state_std, state.std(0), rtol=1e-5)
    np.testing.assert_allclose(stats.state_q01, np.quantile(state, 0.01, axis=0), rtol=1e-5)
    np.testing.assert_allclose(stats.action_q99, np.quantile(action, 0.99, axis=0), rtol=1e-5)
    np.testing.assert_allclose(stats.action_mean, action.mean(0), rtol=1e-5, atol=1e-6)
    assert stats.state_mean.dtype == np.float32 and stats.action_std.shape == (14,)


def test_stats_survive_json(tmp_path: Path) -> None:
    write_episode(tmp_path / "episode_0.hdf5", steps=10)
    stats = compute_norm_stats(tmp_path / "episode_0.hdf5")
    again = NormStats.from_dict(json.loads(json.dumps(stats.to_dict())))
    np.testing.assert_array_equal(again.action_q01, stats.action_q01)


def test_from_dict_names_missing_keys() -> None:
    with pytest.raises(ValueError, match="state_q99"):
        NormStats.from_dict({"state_mean": [0.0]})
