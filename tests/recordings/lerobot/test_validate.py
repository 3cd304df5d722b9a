"""`validate` on a LeRobot folder: one line per episode, and a clear line for each problem."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from app.cli.main import main
from recordings.validate import validate_path
from tests.recordings.lerobot.helpers import export_folder, write_v21

DATA = "data/chunk-000/file-000.parquet"
VIDEO = "videos/observation.images.cam_high/chunk-000/file-000.mp4"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_folder(tmp_path_factory.mktemp("validate"))


@pytest.fixture
def dataset(exported: Path, tmp_path: Path) -> Path:
    """A fresh copy to damage."""
    return Path(shutil.copytree(exported, tmp_path / "copy"))


def _messages(path: Path, camera_map: dict | None = None) -> list[str]:
    return [result.message for result in validate_path(path, camera_map)]


def test_a_good_folder_gets_one_ok_line_per_episode(dataset: Path, capsys) -> None:
    assert main(["validate", str(dataset)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"{dataset} episode {i}: OK (20 steps, 2 cameras video: cam_high, cam_left_wrist; "
        f"prompt {prompt!r})"
        for i, prompt in enumerate(["pick up the red cube", "pick up the blue cube"])
    ]


def test_a_v21_folder_validates(tmp_path: Path) -> None:
    write_v21(tmp_path / "v21")
    results = validate_path(tmp_path / "v21")
    assert [r.ok for r in results] == [True, True]


def test_missing_info_json(dataset: Path) -> None:
    (dataset / "meta/info.json").unlink()
    assert _messages(dataset) == ["missing meta/info.json: not a complete LeRobot dataset"]


def test_unknown_codebase_version(dataset: Path) -> None:
    info = json.loads((dataset / "meta/info.json").read_text())
    info["codebase_version"] = "v1.6"
    (dataset / "meta/info.json").write_text(json.dumps(info))
    assert _messages(dataset) == [
        "unknown codebase_version 'v1.6' in meta/info.json (readable: v3.0, v2.1)"
    ]


def test_missing_video(dataset: Path) -> None:
    (dataset / VIDEO).unlink()
    assert _messages(dataset) == [f"missing video file {VIDEO}"] * 2


def test_truncated_video(dataset: Path) -> None:
    path = dataset / VIDEO
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    messages = _messages(dataset)
    assert len(messages) == 2
    assert all(m.startswith(f"damaged or truncated video file {VIDEO} (") for m in messages)


def test_frame_count_differs_from_the_episode_length(dataset: Path) -> None:
    table = pq.read_table(dataset / DATA)
    pq.write_table(table.slice(1), dataset / DATA)  # episode 0 loses its first frame
    assert _messages(dataset)[0] == (
        f"frame count 19 in {DATA} does not match the episode length 20 in its metadata"
    )


def test_video_frame_count_differs_from_the_episode_length(dataset: Path, tmp_path: Path) -> None:
    write_v21(tmp_path / "v21", episodes=1, steps=20)
    episodes = tmp_path / "v21/meta/episodes.jsonl"
    row = json.loads(episodes.read_text())
    row["length"] = 12
    episodes.write_text(json.dumps(row) + "\n")
    table = pq.read_table(tmp_path / "v21/data/chunk-000/episode_000000.parquet")
    pq.write_table(table.slice(0, 12), tmp_path / "v21/data/chunk-000/episode_000000.parquet")
    assert _messages(tmp_path / "v21") == [
        "frame count 20 in videos/chunk-000/observation.images.top/episode_000000.mp4 "
        "does not match the episode length 12"
    ]


def test_corrupt_parquet(dataset: Path) -> None:
    (dataset / DATA).write_bytes(b"PAR1 this is not parquet at all")
    messages = _messages(dataset)
    assert len(messages) == 2
    assert all(m.startswith(f"corrupt parquet file {DATA}: ") for m in messages)


def test_corrupt_episode_metadata(dataset: Path) -> None:
    path = dataset / "meta/episodes/chunk-000/file-000.parquet"
    path.write_bytes(path.read_bytes()[:40])
    [message] = _messages(dataset)
    assert message.startswith("corrupt parquet file meta/episodes/chunk-000/file-000.parquet: ")


def test_camera_of_the_map_missing_from_features(dataset: Path) -> None:
    assert _messages(dataset, {"front": "cam_high"}) == [
        "camera front of --camera-map is missing from the features (cameras: "
        "observation.images.cam_high, observation.images.cam_left_wrist)"
    ]


def test_camera_with_videos_missing_from_features(dataset: Path) -> None:
    info = json.loads((dataset / "meta/info.json").read_text())
    del info["features"]["observation.images.cam_left_wrist"]
    (dataset / "meta/info.json").write_text(json.dumps(info))
    assert _messages(dataset) == [
        "camera observation.images.cam_left_wrist has videos but is missing from the features "
        "in meta/info.json"
    ]


def test_the_cli_prints_problems_without_a_traceback(dataset: Path, capsys) -> None:
    (dataset / VIDEO).unlink()
    assert main(["validate", str(dataset)]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == f"{dataset} episode 0: missing video file {VIDEO}"
    assert "Traceback" not in captured.err


def test_malformed_features_get_one_line(dataset: Path) -> None:
    info = json.loads((dataset / "meta/info.json").read_text())
    info["features"] = ["not", "a", "mapping"]
    (dataset / "meta/info.json").write_text(json.dumps(info))
    [message] = _messages(dataset)
    assert message.startswith("damaged dataset, could not be read: ")
