"""HDF5 -> LeRobot v3.0 -> HDF5: joints and timestamps exact, images close to the originals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from recordings import layout
from recordings.export import export
from recordings.reader import load_episode
from recordings.sources import find_episodes, open_episode
from tests.recordings.episodes import write_aloha_episode
from tests.recordings.lerobot.helpers import CAMERAS, PROMPTS, STEPS, psnr, write_hdf5_folder

MIN_PSNR_DB = 30.0


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    tmp = tmp_path_factory.mktemp("round_trip")
    write_hdf5_folder(tmp / "hdf5")
    lerobot = export([tmp / "hdf5"], "lerobot", tmp / "lerobot")
    back = export([lerobot], "hdf5", tmp / "back")
    return tmp / "hdf5", lerobot, back


def test_joints_and_timestamps_come_back_exactly(round_trip) -> None:
    original, _, back = round_trip
    for i in range(2):
        before = load_episode(original / f"episode_{i}.hdf5")
        after = load_episode(back / f"episode_{i}.hdf5")
        for name in ("qpos", "qvel", "effort", "action", "timestamps"):
            np.testing.assert_array_equal(getattr(after, name), getattr(before, name))
        assert (after.prompt, after.fps, after.cameras) == (PROMPTS[i], before.fps, before.cameras)


def test_images_keep_30_db_through_video_and_back(round_trip) -> None:
    original, lerobot, back = round_trip
    episodes = find_episodes(lerobot)
    for i, episode in enumerate(episodes):
        before = load_episode(original / f"episode_{i}.hdf5")
        after = load_episode(back / f"episode_{i}.hdf5")
        with open_episode(episode) as reader:
            for cam in CAMERAS:
                video = np.stack([reader.images(cam, t) for t in range(STEPS)])
                assert psnr(video, before.images[cam]) >= MIN_PSNR_DB
                assert psnr(after.images[cam], before.images[cam]) >= MIN_PSNR_DB


def test_the_lerobot_episode_reads_like_the_hdf5_one(round_trip) -> None:
    original, lerobot, _ = round_trip
    with open_episode(find_episodes(lerobot)[1]) as reader:
        before = load_episode(original / "episode_1.hdf5")
        assert len(reader) == STEPS
        assert reader.cameras == tuple(CAMERAS)
        assert reader.prompt == PROMPTS[1]
        assert reader.fps == 50.0
        np.testing.assert_array_equal(reader.array(layout.ACTION), before.action)


def test_original_aloha_files_export(tmp_path: Path) -> None:
    (tmp_path / "aloha").mkdir()
    data = write_aloha_episode(
        tmp_path / "aloha" / "episode_0.hdf5", steps=12, compress=True, cameras=CAMERAS
    )
    (tmp_path / "aloha" / "prompt.txt").write_text("transfer the cube")
    lerobot = export([tmp_path / "aloha"], "lerobot", tmp_path / "out")
    with open_episode(find_episodes(lerobot)[0]) as reader:
        assert reader.prompt == "transfer the cube"
        np.testing.assert_array_equal(reader.array(layout.QPOS), data["qpos"])
        np.testing.assert_allclose(reader.timestamps(), np.arange(12) / 50.0)


def test_h264_videos_read_back_too(tmp_path: Path) -> None:
    write_hdf5_folder(tmp_path / "hdf5", episodes=1)
    lerobot = export([tmp_path / "hdf5"], "lerobot", tmp_path / "out", codec="h264")
    info = json.loads((lerobot / "meta/info.json").read_text())
    assert info["features"]["observation.images.cam_high"]["info"]["video.codec"] == "h264"
    before = load_episode(tmp_path / "hdf5" / "episode_0.hdf5")
    with open_episode(find_episodes(lerobot)[0]) as reader:
        video = np.stack([reader.images("cam_high", t) for t in range(STEPS)])
    assert psnr(video, before.images["cam_high"]) >= MIN_PSNR_DB
