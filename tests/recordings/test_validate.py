"""validate_path: one plain-words message for each kind of bad input."""

from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np
import pytest

from recordings import layout
from recordings.validate import validate_path
from tests.recordings.episodes import write_aloha_episode, write_episode


def _only(path: Path) -> tuple[bool, str]:
    (result,) = validate_path(path)
    return result.ok, result.message


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "jpeg"])
def test_good_episode_is_ok(tmp_path: Path, compress: bool) -> None:
    write_episode(tmp_path / "episode_0.hdf5", steps=5, compress=compress)
    ok, message = _only(tmp_path / "episode_0.hdf5")
    assert ok and message.startswith("OK (5 steps, 2 cameras")
    assert "pick up the red cube" in message


def test_alohas_file_without_prompt_is_ok_and_says_so(tmp_path: Path) -> None:
    write_aloha_episode(tmp_path / "episode_0.hdf5", steps=4, compress=True)
    ok, message = _only(tmp_path / "episode_0.hdf5")
    assert ok and "no prompt" in message


def test_truncated_file(tmp_path: Path) -> None:
    path = tmp_path / "episode_0.hdf5"
    write_episode(path, steps=5)
    os.truncate(path, path.stat().st_size // 2)
    ok, message = _only(path)
    assert not ok and message.startswith("truncated file: only")


def test_file_that_is_not_hdf5(tmp_path: Path) -> None:
    path = tmp_path / "episode_0.hdf5"
    path.write_text("time,qpos\n0,1\n")
    ok, message = _only(path)
    assert not ok and message.startswith("not an HDF5 file")


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "episode_0.hdf5").touch()
    assert _only(tmp_path / "episode_0.hdf5") == (False, "empty file (0 bytes)")


def test_missing_dataset(tmp_path: Path) -> None:
    path = tmp_path / "episode_0.hdf5"
    write_episode(path, steps=5)
    with h5py.File(path, "a") as root:
        del root[layout.EFFORT]
    assert _only(path) == (False, "missing dataset /observations/effort")


def test_mismatched_lengths(tmp_path: Path) -> None:
    path = tmp_path / "episode_0.hdf5"
    write_aloha_episode(path, steps=6, compress=False)
    with h5py.File(path, "a") as root:
        del root[layout.ACTION]
        root.create_dataset(layout.ACTION, data=np.zeros((5, 14), np.float32))
    ok, message = _only(path)
    assert not ok
    assert message == "lengths differ: /observations/qpos has 6 steps but /action has 5"


def test_nan_in_qpos(tmp_path: Path) -> None:
    path = tmp_path / "episode_0.hdf5"
    write_episode(path, steps=6)
    with h5py.File(path, "a") as root:
        root[layout.QPOS][4, 2] = np.nan
    ok, message = _only(path)
    assert not ok
    assert message == "/observations/qpos has NaN or infinite values at 1 step(s), first at step 4"


def test_empty_folder(tmp_path: Path) -> None:
    assert _only(tmp_path) == (False, "empty folder: no .hdf5 episode files in it")


def test_missing_path(tmp_path: Path) -> None:
    assert _only(tmp_path / "nope.hdf5") == (False, "no such file or folder")


def test_partial_file_left_by_a_writer(tmp_path: Path) -> None:
    write_episode(tmp_path / "episode_0.hdf5", steps=5)
    (tmp_path / "episode_0.hdf5").rename(tmp_path / "episode_0.hdf5.partial")
    ok, message = _only(tmp_path)
    assert not ok and message.startswith("incomplete recording")
    assert "5 steps were saved" in message


def test_undecodable_image(tmp_path: Path) -> None:
    path = tmp_path / "episode_0.hdf5"
    write_episode(path, steps=5, compress=True)
    with h5py.File(path, "a") as root:
        rows = root[f"{layout.IMAGES}/cam_left_wrist"]
        garbage = np.zeros(rows.shape[1], np.uint8)
        garbage[:6] = [0xFF, 0xD8, 1, 2, 0xFF, 0xD9]  # JPEG markers around nonsense
        rows[2] = garbage
    assert _only(path) == (False, "cam_left_wrist image at step 2 cannot be decoded")


def test_empty_image_row(tmp_path: Path) -> None:
    path = tmp_path / "episode_0.hdf5"
    write_episode(path, steps=5, compress=True)
    with h5py.File(path, "a") as root:
        root[f"{layout.IMAGES}/cam_high"][3] = 0
    assert _only(path) == (False, "cam_high image at step 3 is empty")


def test_folder_checks_each_file(tmp_path: Path) -> None:
    write_episode(tmp_path / "episode_1.hdf5", steps=3)
    (tmp_path / "episode_10.hdf5").write_text("junk")
    results = validate_path(tmp_path)
    assert [(r.path.name, r.ok) for r in results] == [
        ("episode_1.hdf5", True),
        ("episode_10.hdf5", False),
    ]
