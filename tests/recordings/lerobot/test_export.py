"""`main.py export`: the v3.0 files LeRobot reads, and failures that leave nothing behind."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from app.cli.main import main
from recordings import layout
from recordings.lerobot import layout as lerobot_layout
from recordings.lerobot.writer import LeRobotWriter
from recordings.reader import load_episode
from recordings.sources import find_episodes, open_episode
from tests.recordings.episodes import write_episode
from tests.recordings.lerobot.helpers import STEPS, export_folder

INFO_KEYS = {
    "codebase_version",
    "robot_type",
    "total_episodes",
    "total_frames",
    "total_tasks",
    "chunks_size",
    "data_files_size_in_mb",
    "video_files_size_in_mb",
    "fps",
    "splits",
    "data_path",
    "video_path",
    "features",
}
VIDEO_INFO_KEYS = {
    "video.height",
    "video.width",
    "video.codec",
    "video.pix_fmt",
    "video.fps",
    "video.channels",
    "video.is_depth_map",
    "has_audio",
}
STATS = {"min", "max", "mean", "std", "count", "q01", "q10", "q50", "q90", "q99"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_folder(tmp_path_factory.mktemp("export"))


def test_info_json_holds_what_lerobot_reads(exported: Path) -> None:
    info = json.loads((exported / "meta/info.json").read_text())
    assert set(info) >= INFO_KEYS
    assert info["codebase_version"] == "v3.0"
    assert (info["total_episodes"], info["total_frames"], info["total_tasks"]) == (2, 40, 2)
    assert info["splits"] == {"train": "0:2"}
    assert info["fps"] == 50
    for name in ("timestamp", "frame_index", "episode_index", "index", "task_index"):
        assert info["features"][name]["shape"] == [1]
    state = info["features"]["observation.state"]
    assert state == {"dtype": "float32", "shape": [14], "names": list(layout.JOINT_NAMES)}
    video = info["features"]["observation.images.cam_high"]
    assert (video["dtype"], video["shape"]) == ("video", [32, 32, 3])
    assert set(video["info"]) >= VIDEO_INFO_KEYS
    assert (video["info"]["video.codec"], video["info"]["video.pix_fmt"]) == ("av1", "yuv420p")


def test_stats_json_has_every_statistic_of_every_feature(exported: Path) -> None:
    info = json.loads((exported / "meta/info.json").read_text())
    stats = json.loads((exported / "meta/stats.json").read_text())
    assert set(stats) == set(info["features"])
    for feature in stats.values():
        assert set(feature) == STATS
    image = stats["observation.images.cam_high"]
    assert np.array(image["mean"]).shape == (3, 1, 1)
    assert np.min(image["min"]) >= 0 and np.max(image["max"]) <= 1
    qpos = np.concatenate([load_episode(p).qpos for p in sorted(exported.parent.glob("hdf5/*"))])
    np.testing.assert_allclose(stats["observation.state"]["mean"], qpos.mean(0), atol=1e-6)
    np.testing.assert_allclose(stats["observation.state"]["std"], qpos.std(0), atol=1e-5)
    assert stats["observation.state"]["count"] == [2 * STEPS]


def test_episode_table_tasks_and_frames_have_lerobots_columns(exported: Path) -> None:
    episodes = pq.read_table(exported / "meta/episodes/chunk-000/file-000.parquet").to_pylist()
    assert [e["dataset_from_index"] for e in episodes] == [0, STEPS]
    assert [e["dataset_to_index"] for e in episodes] == [STEPS, 2 * STEPS]
    key = "videos/observation.images.cam_high"
    assert [e[f"{key}/from_timestamp"] for e in episodes] == [0.0, STEPS / 50]
    assert [e[f"{key}/to_timestamp"] for e in episodes] == [STEPS / 50, 2 * STEPS / 50]
    assert episodes[1]["tasks"] == ["pick up the blue cube"]
    assert "stats/observation.state/q99" in episodes[0]
    tasks = pq.read_table(exported / "meta/tasks.parquet")
    assert tasks.column_names == ["task", "task_index"]
    assert json.loads(tasks.schema.metadata[b"pandas"])["index_columns"] == ["task"]
    frames = pq.ParquetFile(exported / "data/chunk-000/file-000.parquet")
    assert frames.metadata.num_row_groups == 2  # one per episode
    table = frames.read()
    np.testing.assert_allclose(table["timestamp"].to_numpy()[:3], [0, 0.02, 0.04], atol=1e-7)
    assert table["index"].to_pylist() == list(range(2 * STEPS))


def test_appending_episodes_adds_files_and_updates_the_totals(tmp_path: Path) -> None:
    root = export_folder(tmp_path, episodes=1)
    write_episode(tmp_path / "more" / "episode_0.hdf5", STEPS, cameras=_cameras(root), seed=5)
    with open_episode(tmp_path / "more" / "episode_0.hdf5") as reader:
        LeRobotWriter(root, 50).append([reader])
    info = json.loads((root / "meta/info.json").read_text())
    assert (info["total_episodes"], info["total_frames"]) == (2, 2 * STEPS)
    assert (root / "data/chunk-000/file-001.parquet").is_file()
    stats = json.loads((root / "meta/stats.json").read_text())
    assert stats["observation.state"]["count"] == [2 * STEPS]
    second = find_episodes(root)[1]
    with open_episode(second) as reader:
        assert len(reader) == STEPS
        assert reader.images("cam_high", STEPS - 1).shape == (32, 32, 3)


def test_a_failed_export_leaves_no_folder(tmp_path: Path, capsys) -> None:
    write_episode(tmp_path / "in" / "episode_0.hdf5", 4, cameras={"cam_high": (32, 32)})
    write_episode(tmp_path / "in" / "episode_1.hdf5", 4, cameras={"cam_low": (32, 32)})
    out = tmp_path / "out"
    code = main(["export", str(tmp_path / "in"), "--to", "lerobot", "--out", str(out)])
    assert code == 2
    assert capsys.readouterr().err.splitlines()[-1].startswith("error: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_a_fractional_fps_is_refused(tmp_path: Path, capsys) -> None:
    write_episode(tmp_path / "in" / "episode_0.hdf5", 4, cameras={"cam_high": (32, 32)})
    out = str(tmp_path / "o")
    code = main(["export", str(tmp_path / "in"), "--to", "lerobot", "--out", out, "--fps", "12.5"])
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        "error: --fps must be a whole number of frames per second, got 12.5"
    )
    assert not (tmp_path / "o").exists()


def test_a_malformed_camera_map_is_refused(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_code:
        main(["export", str(tmp_path), "--to", "lerobot", "--out", "o", "--camera-map", "top"])
    assert exit_code.value.code == 2
    assert "--camera-map expects THEIRS=OURS pairs, got 'top'" in capsys.readouterr().err


def test_an_existing_output_folder_is_refused(tmp_path: Path, capsys) -> None:
    write_episode(tmp_path / "in" / "episode_0.hdf5", 4, cameras={"cam_high": (32, 32)})
    (tmp_path / "out").mkdir()
    code = main(["export", str(tmp_path / "in"), "--to", "hdf5", "--out", str(tmp_path / "out")])
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        f"error: {tmp_path / 'out'} already exists; give a new folder to --out"
    )


def _cameras(root: Path) -> dict[str, tuple[int, int]]:
    info = json.loads((root / lerobot_layout.INFO).read_text())
    return {
        lerobot_layout.camera_key(k): tuple(f["shape"][:2])
        for k, f in info["features"].items()
        if f["dtype"] == "video"
    }


def _append_one(root: Path, fps: float = 50, **episode) -> None:
    folder = root.parent / "one"
    path = folder / f"episode_{len(list(folder.glob('*.hdf5'))) if folder.is_dir() else 0}.hdf5"
    write_episode(path, **{"steps": 4, "cameras": {"cam_high": (32, 32)}, **episode})
    with open_episode(path) as reader:
        LeRobotWriter(root, fps).append([reader])


def test_episodes_that_do_not_fit_the_dataset_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "set"
    _append_one(root)
    with pytest.raises(ValueError, match="is at 50 fps, not 30"):
        _append_one(root, fps=30)
    with pytest.raises(ValueError, match=r"cam_high images are \(16, 32, 3\), the dataset's"):
        _append_one(root, cameras={"cam_high": (16, 32)})
    with pytest.raises(ValueError, match="1 step\\(s\\); LeRobot's statistics need at least 2"):
        _append_one(root, steps=1)
    info = json.loads((root / "meta/info.json").read_text())
    assert info["total_episodes"] == 1  # nothing refused was added
    assert sorted(p.name for p in (root / "data/chunk-000").iterdir()) == ["file-000.parquet"]


def test_only_datasets_written_here_take_more_episodes(tmp_path: Path) -> None:
    root = tmp_path / "set"
    _append_one(root)
    info = json.loads((root / "meta/info.json").read_text())
    del info["features"]["observation.recorded_time"]
    (root / "meta/info.json").write_text(json.dumps(info))
    with pytest.raises(ValueError, match="has no observation.recorded_time: episodes are added"):
        LeRobotWriter(root, 50)
    info["codebase_version"] = "v2.1"
    (root / "meta/info.json").write_text(json.dumps(info))
    with pytest.raises(ValueError, match="is v2.1: episodes are added to v3.0 datasets only"):
        LeRobotWriter(root, 50)
