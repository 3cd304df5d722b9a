"""`generate_episodes` writes valid HDF5 episodes of successful scripted demonstrations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from drivers.sim import demos
from drivers.sim.rollout import Rollout
from drivers.sim.tasks import get_task


@pytest.mark.slow
def test_demos_write_files_that_validate(tmp_path: Path) -> None:
    from recordings.reader import EpisodeReader, load_episode
    from recordings.validate import validate_path

    summary = demos.generate_episodes(
        "pick_color", 1, tmp_path, seed=3, cameras=("cam_high",), size=(24, 32)
    )
    assert summary.written == [tmp_path / "episode_0.hdf5"]
    results = validate_path(tmp_path)
    assert [result.ok for result in results] == [True], results[0].message
    episode = load_episode(tmp_path / "episode_0.hdf5")
    assert episode.sim is True
    assert episode.qpos.shape == (300, 14) and episode.action.shape == (300, 14)
    assert episode.images["cam_high"].shape == (300, 24, 32, 3)
    assert episode.prompt in get_task("pick_color").all_prompts()
    with EpisodeReader(tmp_path / "episode_0.hdf5") as reader:
        names, poses = reader.object_poses()
    assert names == ("red_cube_joint", "green_cube_joint", "blue_cube_joint")
    assert poses.shape == (300, 3, 7)
    start = get_task("pick_color").sample_layout(np.random.default_rng(3)).poses
    np.testing.assert_allclose(poses[0], np.stack(list(start.values())), atol=1e-6)
    assert np.ptp(poses[:, :, 2], axis=0).max() > 0.05  # the named cube was lifted


def _fake_rollout(success: bool, seed: int) -> Rollout:
    zeros = np.zeros((3, 14), np.float32)
    return Rollout(seed, zeros, zeros, zeros, zeros, np.zeros((3, 1)), 1 if success else None, True)


def test_failed_seeds_are_retried_and_indices_continue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "episode_4.hdf5").touch()
    tried: list[int] = []

    def fake_run(sim: object, seed: int) -> Rollout:
        tried.append(seed)
        return _fake_rollout(success=seed != 11, seed=seed)

    written: list[Path] = []
    monkeypatch.setattr(demos, "run_scripted", fake_run)
    monkeypatch.setattr(
        demos, "_write", lambda sim, rollout, path, *a: written.append(path) or path
    )
    summary = demos.generate_episodes("transfer_cube", 2, tmp_path, seed=10)
    assert tried == [10, 11, 12]
    assert summary.retries == 1
    assert [p.name for p in written] == ["episode_5.hdf5", "episode_6.hdf5"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"episodes": 0}, "at least 1"),
        ({"cameras": ("cam_ceiling",)}, "unknown camera"),
        ({"size": (4, 4)}, "image size"),
        ({"task": "stack_cups"}, "unknown task"),
    ],
)
def test_bad_arguments_are_refused(tmp_path: Path, arguments: dict, message: str) -> None:
    call = {"task": "pick_color", "episodes": 1, "out": tmp_path} | arguments
    with pytest.raises(ValueError, match=message):
        demos.generate_episodes(**call)
