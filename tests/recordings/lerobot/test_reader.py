"""Reading LeRobot folders: v2.1 as LeRobot wrote it, joints by name, cameras by a name map."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recordings import layout
from recordings.dataset import EpisodeDataset
from recordings.lerobot.names import aloha_order, camera_names, flat_names, parse_camera_map
from recordings.sources import find_episodes, open_episode
from tests.recordings.lerobot.helpers import RIGHT_FIRST, STEPS, psnr, write_v21


def test_a_v21_folder_reads_with_the_right_arm_put_second(tmp_path: Path) -> None:
    written = write_v21(tmp_path / "v21")
    episodes = find_episodes(tmp_path / "v21")
    assert len(episodes) == 2
    for episode, data in zip(episodes, written, strict=True):
        with open_episode(episode) as reader:
            np.testing.assert_array_equal(reader.array(layout.QPOS), data["state"])
            np.testing.assert_array_equal(reader.array(layout.ACTION), data["action"])
            assert reader.cameras == ("cam_high",)  # `top`, as in LeRobot's ALOHA sets
            assert reader.prompt == "fold"
            frames = np.stack([reader.images("cam_high", t) for t in range(STEPS)])
            assert psnr(frames, data["frames"]) >= 30


def test_frames_decode_the_same_in_any_order(tmp_path: Path) -> None:
    write_v21(tmp_path / "v21", episodes=1)
    with open_episode(find_episodes(tmp_path / "v21")[0]) as reader:
        forward = [reader.images("cam_high", t) for t in range(STEPS)]
        for t in (13, 2, 19, 0, 7, 8, 6):
            np.testing.assert_array_equal(reader.images("cam_high", t), forward[t])


def test_a_camera_map_renames_cameras(tmp_path: Path) -> None:
    write_v21(tmp_path / "v21", episodes=1)
    episode = find_episodes(tmp_path / "v21", "top=cam_low")[0]
    with open_episode(episode) as reader:
        assert reader.cameras == ("cam_low",)


def test_a_camera_map_naming_no_camera_is_refused(tmp_path: Path) -> None:
    write_v21(tmp_path / "v21", episodes=1)
    with pytest.raises(ValueError, match="--camera-map names front, not a camera of"):
        find_episodes(tmp_path / "v21", {"front": "cam_high"})


def test_the_training_dataset_takes_a_lerobot_folder(tmp_path: Path) -> None:
    written = write_v21(tmp_path / "v21")
    dataset = EpisodeDataset(tmp_path / "v21", chunk_size=5)
    item = dataset[STEPS + 3]  # episode 1, step 3
    assert len(dataset) == 2 * STEPS
    assert dataset.cameras == ("cam_high",)
    np.testing.assert_array_equal(item["state"], written[1]["state"][3])
    np.testing.assert_array_equal(item["actions"], written[1]["action"][3:8])
    assert item["images"]["cam_high"].shape == (32, 32, 3)


@pytest.mark.parametrize(
    "names",
    [
        RIGHT_FIRST,
        {"motors": RIGHT_FIRST},
        [RIGHT_FIRST[:7], RIGHT_FIRST[7:]],
    ],
)
def test_feature_names_in_every_layout_flatten(names) -> None:
    assert flat_names(names) == RIGHT_FIRST


def test_joints_are_matched_by_name() -> None:
    order = aloha_order(RIGHT_FIRST, 14)
    assert [RIGHT_FIRST[i] for i in order] == list(layout.JOINT_NAMES)
    assert aloha_order(list(layout.JOINT_NAMES), 14) is None  # already in order
    assert aloha_order([f"Left Arm {j}" for j in layout.ARM_JOINTS] * 2, 14) is None  # no right
    assert aloha_order(["a"] * 6, 6) is None  # not ALOHA: taken as it is


def test_camera_names_default_to_aloha_and_refuse_clashes() -> None:
    keys = ["observation.images.top", "observation.images.cam_left_wrist"]
    assert camera_names(keys) == {"cam_high": keys[0], "cam_left_wrist": keys[1]}
    with pytest.raises(ValueError, match="would both be called cam_high"):
        camera_names(keys, {"cam_left_wrist": "cam_high"})


def test_a_malformed_camera_map_is_refused() -> None:
    assert parse_camera_map("front=cam_high, wrist=cam_left_wrist") == {
        "front": "cam_high",
        "wrist": "cam_left_wrist",
    }
    with pytest.raises(ValueError, match="THEIRS=OURS"):
        parse_camera_map("front")


def test_training_on_a_folder_without_info_json_says_which(tmp_path: Path, capsys) -> None:
    from app.cli.main import main

    write_v21(tmp_path / "v21", episodes=1)
    (tmp_path / "v21/meta/info.json").unlink()
    out = str(tmp_path / "o")
    code = main(["train", "--data", str(tmp_path / "v21"), "--out", out, "--preset", "tiny"])
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        f"error: {tmp_path / 'v21'}: missing meta/info.json: not a complete LeRobot dataset"
    )


def test_norm_stats_come_from_a_lerobot_folder(tmp_path: Path) -> None:
    from recordings.stats import compute_norm_stats

    written = write_v21(tmp_path / "v21")
    stats = compute_norm_stats(tmp_path / "v21")
    state = np.concatenate([episode["state"] for episode in written])
    np.testing.assert_allclose(stats.state_mean, state.mean(0), atol=1e-6)
