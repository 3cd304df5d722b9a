"""Changing an episode's prompt: only the attribute changes; bad targets are refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recordings.files import set_episode_prompt
from recordings.reader import load_episode
from tests.recordings.episodes import write_episode


def test_prompt_changes_and_the_data_does_not(tmp_path: Path) -> None:
    path = tmp_path / "episode_0.hdf5"
    write_episode(path, steps=4)
    before = load_episode(path)
    set_episode_prompt(path, "  stack the red block  ")
    after = load_episode(path)
    assert after.prompt == "stack the red block"
    np.testing.assert_array_equal(after.qpos, before.qpos)
    np.testing.assert_array_equal(after.images["cam_high"], before.images["cam_high"])


@pytest.mark.parametrize(
    ("name", "prompt", "error", "message"),
    [
        ("episode_0.hdf5", "   ", ValueError, "empty"),
        ("episode_0.hdf5.partial", "x", ValueError, "still being recorded"),
        ("missing.hdf5", "x", FileNotFoundError, "no episode file"),
    ],
)
def test_bad_targets_are_refused(tmp_path: Path, name, prompt, error, message) -> None:
    write_episode(tmp_path / "episode_0.hdf5", steps=2)
    with pytest.raises(error, match=message):
        set_episode_prompt(tmp_path / name, prompt)
    assert load_episode(tmp_path / "episode_0.hdf5").prompt != "x"


def test_a_file_that_is_not_hdf5_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "episode_3.hdf5"
    path.write_bytes(b"not an hdf5 file")
    with pytest.raises(ValueError, match="cannot write the prompt"):
        set_episode_prompt(path, "x")
    assert path.read_bytes() == b"not an hdf5 file"
