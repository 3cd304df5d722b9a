"""One episode of a LeRobot dataset, read through the same interface as an HDF5 episode."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from recordings import layout as hdf5_layout
from recordings.lerobot import layout
from recordings.lerobot.meta import LeRobotFormatError, LeRobotMeta, load_meta, read_parquet
from recordings.lerobot.names import aloha_order, camera_names, flat_names
from recordings.lerobot.video import VideoFrames
from recordings.reader import Episode, EpisodeFrame


@dataclass(frozen=True)
class LeRobotEpisode:
    """Where one episode of a LeRobot dataset is: what a file path is for an HDF5 episode."""

    root: Path
    index: int  # episode_index
    camera_map: tuple[tuple[str, str], ...] = ()  # (their camera name, ours) pairs

    def __str__(self) -> str:
        return f"{self.root} episode {self.index}"

    @property
    def name(self) -> str:
        """A short name for tables and messages."""
        return f"episode {self.index}"


# The joint arrays of an HDF5 episode and the features that hold them in a LeRobot dataset.
_JOINT_FEATURES = {
    hdf5_layout.QPOS: layout.STATE,
    hdf5_layout.QVEL: layout.VELOCITY,
    hdf5_layout.EFFORT: layout.EFFORT,
    hdf5_layout.ACTION: layout.ACTION,
}


class LeRobotEpisodeReader:
    """State, action and timestamps read at once; video frames decoded when asked for.

    Joints named as ALOHA's 14 are put in ALOHA's order (left arm first); cameras get our
    names (`top` -> `cam_high`, or the episode's camera map).
    """

    def __init__(self, episode: LeRobotEpisode, prompt: str | None = None) -> None:
        self.path = episode
        meta = load_meta(episode.root)
        self._meta = meta
        self._entry = meta.episode(episode.index)
        for key in (layout.STATE, layout.ACTION):
            if key not in meta.features:
                raise LeRobotFormatError(f"{episode.root}: {layout.INFO} has no {key!r} feature")
        table = self._frames_table()
        self._length = len(table)
        if self._length == 0:
            raise LeRobotFormatError(f"{episode}: no frames in {self._entry.data_file}")
        self._arrays = {
            name: self._joint_array(table, key) for name, key in _JOINT_FEATURES.items()
        }
        self._times = np.asarray(table["timestamp"].to_numpy(), dtype=np.float64)
        self._recorded = None
        if layout.RECORDED_TIME in table.column_names:
            self._recorded = _matrix(table[layout.RECORDED_TIME], np.float64)[:, 0]
        self._camera_keys = camera_names(
            meta.video_keys + meta.image_keys, dict(episode.camera_map)
        )
        self.cameras = hdf5_layout.ordered_cameras(list(self._camera_keys))
        self.prompt = (self._entry.tasks[0] if self._entry.tasks else "") or prompt or ""
        self.fps = meta.fps
        self.robot = meta.robot_type
        self.sim = "sim" in meta.robot_type.lower()
        self.compress = True  # video frames are lossy, as JPEG rows are
        self._videos: dict[str, VideoFrames] = {}
        self._stored_images: dict[str, list] = {}

    def __len__(self) -> int:
        return self._length

    def __enter__(self) -> LeRobotEpisodeReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the video files. Safe to call twice."""
        for video in self._videos.values():
            video.close()
        self._videos = {}

    @property
    def meta(self) -> LeRobotMeta:
        """The dataset's metadata."""
        return self._meta

    @property
    def state_dim(self) -> int:
        """Values per step in the state."""
        return int(self._arrays[hdf5_layout.QPOS].shape[1])

    @property
    def action_dim(self) -> int:
        """Values per step in the action."""
        return int(self._arrays[hdf5_layout.ACTION].shape[1])

    def array(self, name: str) -> np.ndarray:
        """A whole joint array by its HDF5 name (`layout.QPOS`, ...) as (T, D) float32."""
        return self._arrays[name].copy()

    def object_poses(self) -> None:
        """LeRobot datasets carry no simulator object poses."""
        return None

    def timestamps(self) -> np.ndarray:
        """(T,) float64 seconds: the recorded clock when the dataset keeps it, else LeRobot's."""
        return (self._recorded if self._recorded is not None else self._times).copy()

    def images(self, cam: str, t: int) -> np.ndarray:
        """Camera `cam` at step `t` as (H, W, 3) uint8 RGB."""
        if not 0 <= t < self._length:
            raise IndexError(f"step {t} outside episode of {self._length} steps")
        key = self._camera_keys[cam]
        if key in self._entry.videos:
            return self._video(key).frame_at(
                self._entry.videos[key].from_timestamp + self._times[t]
            )
        return self._stored_image(key, t)

    def frame(self, t: int) -> EpisodeFrame:
        """Everything recorded at step `t`."""
        images = {cam: self.images(cam, t) for cam in self.cameras}
        joints = [self._arrays[name][t].copy() for name in hdf5_layout.JOINT_ARRAYS]
        return EpisodeFrame(*joints, images=images, timestamp=float(self.timestamps()[t]))

    def load(self) -> Episode:
        """The whole episode in memory, frames decoded."""
        return Episode(
            qpos=self.array(hdf5_layout.QPOS),
            qvel=self.array(hdf5_layout.QVEL),
            effort=self.array(hdf5_layout.EFFORT),
            action=self.array(hdf5_layout.ACTION),
            images={
                cam: np.stack([self.images(cam, t) for t in range(self._length)])
                for cam in self.cameras
            },
            timestamps=self.timestamps(),
            prompt=self.prompt,
            fps=self.fps,
            sim=self.sim,
            cameras=self.cameras,
            robot=self.robot,
            compress=self.compress,
        )

    def _frames_table(self) -> pa.Table:
        wanted = [*_JOINT_FEATURES.values(), layout.RECORDED_TIME]
        features = self._meta.features
        columns = ["episode_index", "frame_index", "timestamp"]
        columns += [key for key in wanted if key in features]
        table = read_parquet(
            self._meta.root / self._entry.data_file,
            self._meta.root,
            columns=columns,
            filters=[("episode_index", "=", self._entry.index)],
        )
        return table.sort_by("frame_index")

    def _joint_array(self, table: pa.Table, key: str) -> np.ndarray:
        if key not in table.column_names:  # no velocity or effort recorded: zeros, as ALOHA's sim
            return np.zeros((len(table), self._arrays_width()), dtype=np.float32)
        values = _matrix(table[key], np.float32)
        order = aloha_order(flat_names(self._meta.features[key].get("names")), values.shape[1])
        return values if order is None else values[:, order]

    def _arrays_width(self) -> int:
        return int(np.prod(self._meta.features[layout.STATE].get("shape", [1])))

    def _video(self, key: str) -> VideoFrames:
        if key not in self._videos:
            path = self._meta.root / self._entry.videos[key].file
            self._videos[key] = VideoFrames(path, self.fps)
        return self._videos[key]

    def _stored_image(self, key: str, t: int) -> np.ndarray:
        if key not in self._stored_images:
            table = read_parquet(
                self._meta.root / self._entry.data_file,
                self._meta.root,
                columns=["frame_index", key],
                filters=[("episode_index", "=", self._entry.index)],
            ).sort_by("frame_index")
            self._stored_images[key] = table[key].to_pylist()
        item = self._stored_images[key][t]
        data = item.get("bytes") if isinstance(item, dict) else item
        image = hdf5_layout.decode_jpeg(np.frombuffer(data, dtype=np.uint8)) if data else None
        if image is None:
            raise LeRobotFormatError(f"{self.path}: no image stored for {key} at step {t}")
        return image[..., ::-1].copy()  # OpenCV decodes to BGR; LeRobot images are RGB


def _matrix(column: pa.ChunkedArray, dtype: type) -> np.ndarray:
    """A list (or fixed-size list, or scalar) column as a (rows, width) array."""
    array = column.combine_chunks()
    if pa.types.is_list(array.type) or pa.types.is_fixed_size_list(array.type):
        values = np.asarray(array.flatten().to_numpy(zero_copy_only=False), dtype=dtype)
        return values.reshape(len(array), -1)
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=dtype).reshape(len(array), 1)
