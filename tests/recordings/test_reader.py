"""Reading ALOHA's original files and the prompt fallbacks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recordings.dataset import EpisodeDataset
from recordings.reader import EpisodeFormatError, EpisodeReader, load_episode
from tests.recordings.episodes import write_aloha_episode, write_episode


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "jpeg"])
def test_alohas_file_reads_and_feeds_the_dataset(tmp_path: Path, compress: bool) -> None:
    data = write_aloha_episode(tmp_path / "episode_0.hdf5", steps=10, compress=compress)
    episode = load_episode(tmp_path / "episode_0.hdf5", prompt="fold the towel")
    np.testing.assert_array_equal(episode.qpos, data["qpos"])
    np.testing.assert_array_equal(episode.action, data["action"])
    assert episode.images["cam_high"].shape == (10, 24, 32, 3)
    assert np.abs(episode.images["cam_high"].astype(int) - data["images"]["cam_high"]).mean() < 3
    assert (episode.prompt, episode.fps, episode.sim) == ("fold the towel", 50.0, False)
    np.testing.assert_allclose(episode.timestamps, np.arange(10) * 0.02)

    dataset = EpisodeDataset(tmp_path, chunk_size=4, prompt="fold the towel")
    item = dataset[3]
    assert item["images"]["cam_left_wrist"].shape == (16, 20, 3)
    np.testing.assert_array_equal(item["state"], data["qpos"][3])
    np.testing.assert_array_equal(item["actions"], data["action"][3:7])
    assert item["prompt"] == "fold the towel"


def test_act_sim_file_without_compress_attribute_reads(tmp_path: Path) -> None:
    cameras = {"top": (12, 16)}
    data = write_aloha_episode(
        tmp_path / "episode_0.hdf5", compress=False, sim=True, cameras=cameras, compress_attr=False
    )
    episode = load_episode(tmp_path / "episode_0.hdf5")
    assert episode.cameras == ("top",) and episode.sim and not episode.compress
    np.testing.assert_array_equal(episode.images["top"], data["images"]["top"])


def test_prompt_comes_from_prompt_txt_when_the_file_has_none(tmp_path: Path) -> None:
    write_aloha_episode(tmp_path / "episode_0.hdf5", compress=False)
    (tmp_path / "prompt.txt").write_text("open the drawer\n")
    assert load_episode(tmp_path / "episode_0.hdf5").prompt == "open the drawer"
    assert load_episode(tmp_path / "episode_0.hdf5", prompt="caller").prompt == "caller"


def test_stored_prompt_wins_over_fallbacks(tmp_path: Path) -> None:
    write_episode(tmp_path / "episode_0.hdf5", steps=2, prompt="stored")
    (tmp_path / "prompt.txt").write_text("folder")
    assert load_episode(tmp_path / "episode_0.hdf5", prompt="caller").prompt == "stored"


def test_reader_gives_single_frames(tmp_path: Path) -> None:
    data = write_episode(tmp_path / "episode_0.hdf5", steps=6)
    with EpisodeReader(tmp_path / "episode_0.hdf5") as reader:
        assert len(reader) == 6
        frame = reader.frame(4)
        np.testing.assert_array_equal(frame.action, data["action"][4])
        np.testing.assert_array_equal(reader.images("cam_high", 5), data["images"]["cam_high"][5])
        assert frame.timestamp == pytest.approx(100.08)
        with pytest.raises(IndexError):
            reader.images("cam_high", 6)


def test_missing_dataset_is_a_clear_error(tmp_path: Path) -> None:
    import h5py

    write_episode(tmp_path / "episode_0.hdf5", steps=2)
    with h5py.File(tmp_path / "episode_0.hdf5", "a") as root:
        del root["/observations/qvel"]
    with pytest.raises(EpisodeFormatError, match="missing dataset /observations/qvel"):
        load_episode(tmp_path / "episode_0.hdf5")


def test_unreadable_file_names_itself_and_points_to_validate(tmp_path: Path) -> None:
    (tmp_path / "episode_0.hdf5").write_text("junk")
    with pytest.raises(EpisodeFormatError, match="episode_0.hdf5 as an HDF5 episode"):
        load_episode(tmp_path / "episode_0.hdf5")


def test_object_poses_round_trip_and_are_none_when_absent(tmp_path: Path) -> None:
    from recordings.episode_file import write_object_poses

    path = tmp_path / "episode_0.hdf5"
    write_episode(path, steps=6)
    with EpisodeReader(path) as reader:
        assert reader.object_poses() is None
    poses = np.random.default_rng(0).normal(size=(6, 2, 7)).astype(np.float32)
    write_object_poses(path, ["cube_joint", "peg_joint"], poses)
    with EpisodeReader(path) as reader:
        names, read = reader.object_poses()
    assert names == ("cube_joint", "peg_joint")
    np.testing.assert_array_equal(read, poses)
    dataset = EpisodeDataset(path, chunk_size=2, prompt="p", object_poses=True)
    np.testing.assert_array_equal(dataset[4]["object_poses"]["peg_joint"], poses[4, 1])


def test_object_poses_of_the_wrong_shape_are_refused(tmp_path: Path) -> None:
    from recordings.episode_file import write_object_poses

    path = tmp_path / "episode_0.hdf5"
    write_episode(path, steps=6)
    with pytest.raises(ValueError, match=r"must be \(T, 2, 7\)"):
        write_object_poses(path, ["a", "b"], np.zeros((6, 7)))


def test_dataset_asked_for_object_poses_names_the_file_without_them(tmp_path: Path) -> None:
    write_episode(tmp_path / "episode_0.hdf5", steps=6)
    with pytest.raises(ValueError, match="episode_0.hdf5 stores no object poses"):
        EpisodeDataset(tmp_path, chunk_size=2, prompt="p", object_poses=True)
