"""Writing episodes into a LeRobot v3.0 dataset folder: parquet frames, AV1 videos, metadata.

Each `append` adds one data file, one video file per camera (its episodes concatenated) and
one episode-table file, then rewrites info.json, stats.json and tasks.parquet.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from recordings import layout as hdf5_layout
from recordings.lerobot import layout
from recordings.lerobot.meta import LeRobotFormatError, read_info, read_parquet
from recordings.lerobot.stats import (
    aggregate,
    as_json,
    feature_stats,
    from_json,
    image_stats,
    sample_steps,
)
from recordings.lerobot.video import VideoEncoder, video_info

ROBOT_TYPE = "aloha"

# HDF5 joint array -> LeRobot feature, in the order the features are listed
_JOINTS = {
    layout.STATE: hdf5_layout.QPOS,
    layout.VELOCITY: hdf5_layout.QVEL,
    layout.EFFORT: hdf5_layout.EFFORT,
    layout.ACTION: hdf5_layout.ACTION,
}


class EpisodeSource(Protocol):
    """What `append` reads from an episode: an EpisodeReader of either format."""

    prompt: str
    cameras: tuple[str, ...]

    def __len__(self) -> int: ...
    def array(self, name: str) -> np.ndarray: ...
    def timestamps(self) -> np.ndarray: ...
    def images(self, cam: str, t: int) -> np.ndarray: ...


class LeRobotWriter:
    """Adds episodes to the v3.0 dataset at `root` (created on the first append)."""

    def __init__(self, root: Path | str, fps: float, codec: str = "av1") -> None:
        if codec not in layout.CODECS:
            raise ValueError(f"--codec must be one of {', '.join(layout.CODECS)}, got {codec!r}")
        if not 1 <= fps <= 1000 or float(fps) != int(fps):
            raise ValueError(f"--fps must be a whole number of frames per second, got {fps}")
        self.root = Path(root)
        self.fps = int(fps)
        self.codec = codec
        self.info: dict | None = None
        if (self.root / layout.INFO).is_file():
            self.info = read_info(self.root)
            if self.info["codebase_version"] != layout.V30:
                raise LeRobotFormatError(
                    f"{self.root} is {self.info['codebase_version']}: "
                    "episodes are added to v3.0 datasets only"
                )
            if int(self.info["fps"]) != self.fps:
                raise ValueError(f"{self.root} is at {self.info['fps']} fps, not {self.fps}")
            ours = (*_JOINTS, layout.RECORDED_TIME)
            missing = [key for key in ours if key not in self.info["features"]]
            if missing:
                raise ValueError(
                    f"{self.root} has no {', '.join(missing)}: episodes are added only to "
                    "datasets this program wrote"
                )

    def append(
        self, episodes: Sequence[EpisodeSource], progress: Callable[[int], None] | None = None
    ) -> None:
        """Write `episodes` as the next files of the dataset; `progress(frames)` after each."""
        if not episodes:
            raise ValueError("no episodes to write")
        files = sorted((self.root / layout.EPISODES_DIR).glob("chunk-*/file-*.parquet"))
        number = len(files)
        where = {
            "chunk_index": number // layout.CHUNKS_SIZE,
            "file_index": number % layout.CHUNKS_SIZE,
        }
        features = self.info["features"] if self.info else _features(episodes[0], self.fps)
        cameras = _cameras(features)
        written = [self.root / layout.DATA_PATH.format(**where)]
        written += [self.root / layout.VIDEO_PATH.format(video_key=k, **where) for k in cameras]
        written.append(self.root / layout.EPISODES_PATH.format(**where))
        try:
            written_episodes = self._write_files(episodes, features, cameras, where, progress)
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise
        self._write_meta(*written_episodes, features, cameras, where)

    def _write_files(self, episodes, features, cameras, where, progress) -> tuple:
        """Frames and videos of `episodes`; their table rows, statistics, and the tasks."""
        data_path = self.root / layout.DATA_PATH.format(**where)
        data_path.parent.mkdir(parents=True, exist_ok=True)
        encoders: dict[str, VideoEncoder] = {}
        episode_index = self.info["total_episodes"] if self.info else 0
        frame_index = self.info["total_frames"] if self.info else 0
        tasks = self._tasks()
        rows, episode_stats = [], []
        parquet = None
        try:
            for key in cameras:
                encoders[key] = VideoEncoder(
                    self.root / layout.VIDEO_PATH.format(video_key=key, **where),
                    self.fps,
                    tuple(features[key]["shape"][:2]),
                    self.codec,
                )
            for episode in episodes:
                _check_episode(episode, features, cameras)
                task = tasks.setdefault(episode.prompt, len(tasks))
                start = {key: enc.frames for key, enc in encoders.items()}
                table, stats = self._frames(episode, features, cameras, encoders)
                n = len(episode)
                columns = {
                    "timestamp": pa.array(np.arange(n) / self.fps, pa.float32()),
                    "frame_index": pa.array(np.arange(n), pa.int64()),
                    "episode_index": pa.array(np.full(n, episode_index), pa.int64()),
                    "index": pa.array(np.arange(frame_index, frame_index + n), pa.int64()),
                    "task_index": pa.array(np.full(n, task), pa.int64()),
                }
                for name, column in columns.items():
                    table = table.append_column(name, column)
                    stats[name] = feature_stats(column.to_numpy())
                if parquet is None:
                    parquet = pq.ParquetWriter(data_path, table.schema)
                parquet.write_table(table)  # one row group per episode, as LeRobot writes
                rows.append(
                    self._episode_row(
                        episode_index, episode.prompt, n, frame_index, start, where, stats
                    )
                )
                episode_stats.append(stats)
                episode_index += 1
                frame_index += n
                if progress is not None:
                    progress(n)
        except BaseException:
            for encoder in encoders.values():
                encoder.abort()
            raise
        finally:
            if parquet is not None:
                parquet.close()
        for encoder in encoders.values():
            encoder.close()
        return rows, episode_stats, tasks

    def _frames(self, episode, features, cameras, encoders) -> tuple[pa.Table, dict]:
        """Encode the episode's frames; its joint columns and every feature's statistics."""
        n = len(episode)
        columns, stats = {}, {}
        for key, name in _JOINTS.items():
            values = episode.array(name)
            width = values.shape[1]
            columns[key] = pa.FixedSizeListArray.from_arrays(
                pa.array(values.reshape(-1), pa.float32()), width
            )
            stats[key] = feature_stats(values)
        recorded = np.asarray(episode.timestamps(), dtype=np.float64)
        columns[layout.RECORDED_TIME] = pa.array(recorded, pa.float64())
        stats[layout.RECORDED_TIME] = feature_stats(recorded)
        sampled = set(sample_steps(n).tolist())
        samples = {key: [] for key in cameras}
        for t in range(n):
            for key, cam in cameras.items():
                image = episode.images(cam, t)
                encoders[key].add(image)
                if t in sampled:
                    samples[key].append(image)
        for key in cameras:
            stats[key] = image_stats(np.stack(samples[key]))
        return pa.table(columns), stats

    def _episode_row(self, index, prompt, n, first, start, where, stats) -> dict:
        row = {
            "episode_index": index,
            "tasks": [prompt],
            "length": n,
            "data/chunk_index": where["chunk_index"],
            "data/file_index": where["file_index"],
            "dataset_from_index": first,
            "dataset_to_index": first + n,
        }
        for key, frames in start.items():
            row[f"videos/{key}/chunk_index"] = where["chunk_index"]
            row[f"videos/{key}/file_index"] = where["file_index"]
            row[f"videos/{key}/from_timestamp"] = frames / self.fps
            row[f"videos/{key}/to_timestamp"] = (frames + n) / self.fps
        for key, feature in stats.items():
            for name, value in feature.items():
                row[f"stats/{key}/{name}"] = np.asarray(value).tolist()
        row["meta/episodes/chunk_index"] = where["chunk_index"]
        row["meta/episodes/file_index"] = where["file_index"]
        return row

    def _write_meta(
        self,
        rows: list[dict],
        new_stats: list[dict],
        tasks: dict[str, int],
        features: dict,
        cameras: dict,
        where: dict,
    ) -> None:
        path = self.root / layout.EPISODES_PATH.format(**where)
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(rows), path)
        old = [from_json(json.loads((self.root / layout.STATS).read_text()))] if self.info else []
        totals = {
            key: aggregate([*(s[key] for s in old), *(s[key] for s in new_stats)])
            for key in new_stats[0]
        }
        _write_json(self.root / layout.STATS, as_json(totals))
        _write_tasks(self.root / layout.TASKS, tasks)
        if self.info is None:
            for key in cameras:
                video = self.root / layout.VIDEO_PATH.format(video_key=key, **where)
                features[key]["info"] = video_info(video, self.codec)
        episodes = (self.info["total_episodes"] if self.info else 0) + len(rows)
        frames = (self.info["total_frames"] if self.info else 0) + sum(r["length"] for r in rows)
        self.info = {
            "codebase_version": layout.V30,
            "robot_type": self.info["robot_type"] if self.info else ROBOT_TYPE,
            "total_episodes": episodes,
            "total_frames": frames,
            "total_tasks": len(tasks),
            "chunks_size": layout.CHUNKS_SIZE,
            "data_files_size_in_mb": layout.DATA_FILES_SIZE_MB,
            "video_files_size_in_mb": layout.VIDEO_FILES_SIZE_MB,
            "fps": self.fps,
            "splits": {"train": f"0:{episodes}"},
            "data_path": layout.DATA_PATH,
            "video_path": layout.VIDEO_PATH,
            "features": features,
        }
        _write_json(self.root / layout.INFO, self.info)

    def _tasks(self) -> dict[str, int]:
        path = self.root / layout.TASKS
        if not path.is_file():
            return {}
        table = read_parquet(path, self.root)
        return dict(zip(table["task"].to_pylist(), table["task_index"].to_pylist(), strict=True))


def _features(episode: EpisodeSource, fps: int) -> dict:
    """The features of a dataset whose episodes look like `episode`."""
    features = {}
    for key, name in _JOINTS.items():
        width = int(episode.array(name).shape[1])
        names = list(hdf5_layout.JOINT_NAMES) if width == hdf5_layout.STATE_DIM else None
        features[key] = {"dtype": "float32", "shape": [width], "names": names}
    features[layout.RECORDED_TIME] = {"dtype": "float64", "shape": [1], "names": None}
    for cam in episode.cameras:
        height, width = episode.images(cam, 0).shape[:2]
        features[layout.IMAGE_PREFIX + cam] = {
            "dtype": "video",
            "shape": [height, width, 3],
            "names": ["height", "width", "channels"],
            "info": None,  # filled from the first video written
        }
    for name, dtype in layout.FRAME_COLUMNS.items():
        features[name] = {"dtype": dtype, "shape": [1], "names": None}
    return features


def _cameras(features: dict) -> dict[str, str]:
    """{video feature key: our camera name}."""
    return {key: layout.camera_key(key) for key, f in features.items() if f.get("dtype") == "video"}


def _check_episode(episode: EpisodeSource, features: dict, cameras: dict[str, str]) -> None:
    name = getattr(episode, "path", "an episode")
    if len(episode) < 2:
        raise ValueError(f"{name}: {len(episode)} step(s); LeRobot's statistics need at least 2")
    width = features[layout.STATE]["shape"][0]
    if episode.array(hdf5_layout.QPOS).shape[1] != width:
        raise ValueError(
            f"{name}: state of {episode.array(hdf5_layout.QPOS).shape[1]} values, "
            f"the dataset's has {width}"
        )
    missing = [cam for cam in cameras.values() if cam not in episode.cameras]
    if missing:
        raise ValueError(f"{name} has no camera {', '.join(missing)} (the dataset has them)")
    for key, cam in cameras.items():
        shape = tuple(episode.images(cam, 0).shape)
        if shape != tuple(features[key]["shape"]):
            raise ValueError(
                f"{name}: {cam} images are {shape}, the dataset's are "
                f"{tuple(features[key]['shape'])}"
            )


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, indent=4), encoding="utf-8")
    partial.replace(path)


def _write_tasks(path: Path, tasks: dict[str, int]) -> None:
    """tasks.parquet as pandas writes a frame indexed by `task`: LeRobot reads it with pandas."""
    table = pa.table(
        {
            "task": pa.array(list(tasks), pa.string()),
            "task_index": pa.array(list(tasks.values()), pa.int64()),
        }
    )
    pandas_meta = {
        "index_columns": ["task"],
        "column_indexes": [],
        "columns": [
            {
                "name": "task",
                "field_name": "task",
                "pandas_type": "unicode",
                "numpy_type": "object",
                "metadata": None,
            },
            {
                "name": "task_index",
                "field_name": "task_index",
                "pandas_type": "int64",
                "numpy_type": "int64",
                "metadata": None,
            },
        ],
        "creator": {"library": "pyarrow", "version": pa.__version__},
        "pandas_version": "2.2.0",
    }
    table = table.replace_schema_metadata({b"pandas": json.dumps(pandas_meta).encode()})
    pq.write_table(table, path)
