"""EpisodeWriter: round trips, the .partial file, dropping frames, failures."""

from __future__ import annotations

import threading
from pathlib import Path

import h5py
import numpy as np
import pytest

from recordings import layout
from recordings.episode_file import EpisodeFile
from recordings.reader import load_episode
from recordings.writer import EpisodeWriter
from tests.recordings.episodes import PROMPT, SMALL_CAMERAS, write_episode

ZEROS = np.zeros(14, dtype=np.float32)


def _images(value: int = 0) -> dict[str, np.ndarray]:
    return {cam: np.full((h, w, 3), value, np.uint8) for cam, (h, w) in SMALL_CAMERAS.items()}


def test_raw_round_trip_is_exact(tmp_path: Path) -> None:
    data = write_episode(tmp_path / "episode_0.hdf5", steps=12)
    episode = load_episode(tmp_path / "episode_0.hdf5")
    for name in ("qpos", "qvel", "effort", "action"):
        np.testing.assert_array_equal(getattr(episode, name), data[name])
    for cam, frames in data["images"].items():
        np.testing.assert_array_equal(episode.images[cam], frames)
    np.testing.assert_allclose(episode.timestamps, 100.0 + np.arange(12) * 0.02)
    assert (episode.prompt, episode.fps, episode.sim) == (PROMPT, 50.0, True)
    assert episode.cameras == ("cam_high", "cam_left_wrist")


def test_compressed_round_trip_is_close(tmp_path: Path) -> None:
    data = write_episode(tmp_path / "episode_0.hdf5", steps=12, compress=True)
    episode = load_episode(tmp_path / "episode_0.hdf5")
    np.testing.assert_array_equal(episode.qpos, data["qpos"])
    for cam, frames in data["images"].items():
        decoded = episode.images[cam].astype(int)
        assert decoded.shape == frames.shape
        assert np.abs(decoded - frames).mean() < 3  # JPEG at quality 50 on smooth images
    assert episode.compress


def test_file_has_alohas_layout_and_our_attributes(tmp_path: Path) -> None:
    write_episode(tmp_path / "episode_0.hdf5", steps=5, compress=True)
    with h5py.File(tmp_path / "episode_0.hdf5", "r") as root:
        assert root[layout.QPOS].dtype == np.float32 and root[layout.ACTION].shape == (5, 14)
        assert bool(root.attrs["sim"]) and bool(root.attrs["compress"])
        assert root.attrs["prompt"] == PROMPT
        assert list(root.attrs["cameras"]) == ["cam_high", "cam_left_wrist"]
        assert root.attrs["format_version"] == layout.FORMAT_VERSION
        rows = root[f"{layout.IMAGES}/cam_high"]
        lengths = root[layout.COMPRESS_LEN][()]
        assert lengths.shape == (2, 5)
        assert [len(layout.trim_padding(row)) for row in rows[()]] == lengths[0].tolist()
        assert rows.chunks[0] == 1  # no chunk holds two frames


def test_raw_images_are_chunked_one_frame_per_chunk(tmp_path: Path) -> None:
    write_episode(tmp_path / "episode_0.hdf5", steps=3)
    with h5py.File(tmp_path / "episode_0.hdf5", "r") as root:
        assert root[f"{layout.IMAGES}/cam_high"].chunks == (1, 24, 32, 3)


def test_writes_partial_file_until_closed(tmp_path: Path) -> None:
    path = tmp_path / "episode_0.hdf5"
    writer = EpisodeWriter(path, cameras=SMALL_CAMERAS, prompt="x")
    writer.add_frame(ZEROS, ZEROS, ZEROS, ZEROS, _images(), 0.0)
    assert writer.partial_path == tmp_path / "episode_0.hdf5.partial"
    assert writer.partial_path.exists() and not path.exists()
    assert writer.close() == path
    assert path.exists() and not writer.partial_path.exists()


def test_discard_removes_the_episode(tmp_path: Path) -> None:
    writer = EpisodeWriter(tmp_path / "episode_0.hdf5", cameras=SMALL_CAMERAS, prompt="x")
    writer.add_frame(ZEROS, ZEROS, ZEROS, ZEROS, _images(), 0.0)
    writer.discard()
    assert list(tmp_path.iterdir()) == []
    assert not writer.add_frame(ZEROS, ZEROS, ZEROS, ZEROS, _images(), 0.0)


def test_refuses_to_overwrite_an_episode(tmp_path: Path) -> None:
    write_episode(tmp_path / "episode_0.hdf5", steps=2)
    with pytest.raises(FileExistsError, match="already exists"):
        EpisodeWriter(tmp_path / "episode_0.hdf5", cameras=SMALL_CAMERAS, prompt="x")


def test_full_queue_drops_frames_and_counts_them(tmp_path: Path, monkeypatch) -> None:
    entered, release = threading.Event(), threading.Event()
    append = EpisodeFile.append

    def slow_append(self: EpisodeFile, batch: list) -> None:
        entered.set()
        release.wait()  # a disk that has stalled
        append(self, batch)

    monkeypatch.setattr(EpisodeFile, "append", slow_append)
    writer = EpisodeWriter(
        tmp_path / "episode_0.hdf5", cameras=SMALL_CAMERAS, prompt="x", queue_frames=2
    )
    assert writer.add_frame(ZEROS, ZEROS, ZEROS, ZEROS, _images(0), 0.0)
    assert entered.wait(10)  # the writer holds frame 0 and is stuck
    accepted = [writer.add_frame(ZEROS, ZEROS, ZEROS, ZEROS, _images(t), t) for t in range(1, 5)]
    assert accepted == [True, True, False, False]
    assert writer.dropped == 2
    release.set()
    path = writer.close()
    assert writer.frames_written == 3
    with h5py.File(path, "r") as root:
        assert root.attrs["dropped_frames"] == 2


def test_writer_failure_surfaces_in_close(tmp_path: Path, monkeypatch) -> None:
    def failing_append(self: EpisodeFile, batch: list) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(EpisodeFile, "append", failing_append)
    writer = EpisodeWriter(tmp_path / "episode_0.hdf5", cameras=SMALL_CAMERAS, prompt="x")
    writer.add_frame(ZEROS, ZEROS, ZEROS, ZEROS, _images(), 0.0)
    with pytest.raises(RuntimeError, match="No space left on device"):
        writer.close()
    assert [p.name for p in tmp_path.iterdir()] == ["episode_0.hdf5.partial"]  # kept to inspect
    writer.discard()
    assert list(tmp_path.iterdir()) == []


def test_wrong_image_shape_is_refused(tmp_path: Path) -> None:
    writer = EpisodeWriter(tmp_path / "episode_0.hdf5", cameras=SMALL_CAMERAS, prompt="x")
    images = _images()
    images["cam_high"] = np.zeros((10, 10, 3), np.uint8)
    with pytest.raises(ValueError, match="cam_high image"):
        writer.add_frame(ZEROS, ZEROS, ZEROS, ZEROS, images, 0.0)
    writer.discard()


def test_closing_an_empty_episode_saves_nothing(tmp_path: Path) -> None:
    writer = EpisodeWriter(tmp_path / "episode_0.hdf5", cameras=SMALL_CAMERAS, prompt="x")
    with pytest.raises(ValueError, match="no frames"):
        writer.close()
    assert list(tmp_path.iterdir()) == []


def _record_syncs(monkeypatch) -> list[str]:
    """Log fsync calls and renames, in order."""
    import os

    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: events.append("fsync") or real_fsync(fd))
    monkeypatch.setattr(os, "replace", lambda a, b: events.append("rename") or real_replace(a, b))
    return events


def test_close_syncs_the_file_before_the_rename_and_the_folder_after(
    tmp_path: Path, monkeypatch
) -> None:
    events = _record_syncs(monkeypatch)
    write_episode(tmp_path / "episode_0.hdf5", steps=3)
    assert events == ["fsync", "rename", "fsync"]
    assert load_episode(tmp_path / "episode_0.hdf5").qpos.shape == (3, 14)


def test_durable_off_skips_the_syncs(tmp_path: Path, monkeypatch) -> None:
    events = _record_syncs(monkeypatch)
    with EpisodeWriter(
        tmp_path / "episode_0.hdf5", cameras=SMALL_CAMERAS, prompt=PROMPT, durable=False
    ) as writer:
        writer.add_frame(ZEROS, ZEROS, ZEROS, ZEROS, _images(), 0.0)
    assert events == ["rename"]


def test_object_poses_are_in_the_file_before_it_is_renamed(tmp_path: Path, monkeypatch) -> None:
    import os

    path = tmp_path / "episode_0.hdf5"
    seen_at_rename = []
    real_replace = os.replace

    def replace(source, target):
        with h5py.File(source, "r") as file:  # what a crash right after the rename would leave
            seen_at_rename.append(layout.ENV_STATE in file)
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    writer = EpisodeWriter(path, cameras=SMALL_CAMERAS, prompt=PROMPT, durable=False)
    for t in range(3):
        writer.add_frame(ZEROS, ZEROS, ZEROS, ZEROS, _images(t), float(t))
    poses = np.arange(3 * 2 * 7, dtype=np.float32).reshape(3, 2, 7)
    assert writer.close(object_poses=(["cube_joint", "peg_joint"], poses)) == path
    assert seen_at_rename == [True]
    with h5py.File(path, "r") as file:
        np.testing.assert_array_equal(file[layout.ENV_STATE][:], poses.reshape(3, 14))


def test_object_poses_not_matching_the_frames_leave_no_episode(tmp_path: Path) -> None:
    path = tmp_path / "episode_0.hdf5"
    writer = EpisodeWriter(path, cameras=SMALL_CAMERAS, prompt=PROMPT)
    for t in range(3):
        writer.add_frame(ZEROS, ZEROS, ZEROS, ZEROS, _images(t), float(t))
    with pytest.raises(ValueError, match="2 object poses for an episode of 3 frames"):
        writer.close(object_poses=(["cube_joint"], np.zeros((2, 1, 7))))
    assert not path.exists()  # never renamed: readers do not see it
    writer.discard()  # what a caller does after a failed close
    assert list(tmp_path.iterdir()) == []
