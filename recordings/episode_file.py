"""The HDF5 file of one episode being recorded, grown a batch of frames at a time."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from recordings import layout

# JPEG rows are stored in chunks of a few KiB: a frame never shares a chunk with another, and
# chunks past a row's end are never written, so zero padding costs at most one chunk per row.
JPEG_CHUNK_BYTES = (1024, 8192)  # (smallest, largest); about 1/64 of the raw frame in between
JOINT_CHUNK_STEPS = 256  # small arrays: a chunk per ~5 s of steps rather than per step


@dataclass(frozen=True)
class EpisodeAttrs:
    """Root attributes of an episode: ALOHA's `sim` and `compress`, and ours."""

    prompt: str  # the instruction the episode demonstrates
    fps: float  # control rate the frames were taken at
    robot: str  # "sim", "virtual" or "aloha" (or a robot config name)
    sim: bool  # ALOHA's flag: True for simulated episodes
    compress: bool  # ALOHA's flag: True when images are JPEG rows
    cameras: tuple[str, ...]  # camera order, also the row order of /compress_len
    jpeg_quality: int = layout.JPEG_QUALITY  # JPEG quality when compress is on


@dataclass(frozen=True)
class RecordedFrame:
    """One control step as handed to the writer."""

    qpos: np.ndarray  # (state_dim,) float32
    qvel: np.ndarray  # (state_dim,) float32
    effort: np.ndarray  # (state_dim,) float32
    action: np.ndarray  # (state_dim,) float32
    images: dict[str, np.ndarray]  # cam -> (H, W, 3) uint8
    timestamp: float  # seconds


class EpisodeFile:
    """Writes frames to an HDF5 file whose datasets grow, so a cut-short file still reads."""

    def __init__(
        self,
        path: Path,
        attrs: EpisodeAttrs,
        image_sizes: dict[str, tuple[int, int]],
        state_dim: int = layout.STATE_DIM,
    ) -> None:
        self.path = path
        self.attrs = attrs
        self.frames = 0
        self._file = h5py.File(path, "w")
        self._write_attrs(attrs)
        self._joints = {
            name: self._file.create_dataset(
                name,
                shape=(0, state_dim),
                maxshape=(None, state_dim),
                chunks=(JOINT_CHUNK_STEPS, state_dim),
                dtype=np.float32,
            )
            for name in layout.JOINT_ARRAYS
        }
        self._timestamp = self._file.create_dataset(
            layout.TIMESTAMP, shape=(0,), maxshape=(None,), chunks=(1024,), dtype=np.float64
        )
        self._images = {cam: self._create_images(cam, image_sizes[cam]) for cam in attrs.cameras}
        self._compress_len = None
        self._encoders: ThreadPoolExecutor | None = None
        if attrs.compress:
            # cv2.imencode releases the GIL: cameras encode in parallel on every core.
            workers = max(1, min(len(attrs.cameras), os.cpu_count() or 1))
            self._encoders = ThreadPoolExecutor(workers, thread_name_prefix="jpeg-encoder")
            n_cams = len(attrs.cameras)
            self._compress_len = self._file.create_dataset(
                layout.COMPRESS_LEN,
                shape=(n_cams, 0),
                maxshape=(n_cams, None),
                chunks=(n_cams, JOINT_CHUNK_STEPS),
                dtype=np.int32,
            )

    def append(self, batch: list[RecordedFrame]) -> None:
        """Encode (when compressing) and write a batch of frames at the end of every dataset."""
        start, stop = self.frames, self.frames + len(batch)
        for name, dataset in self._joints.items():
            field = name.rsplit("/", 1)[-1]
            dataset.resize(stop, axis=0)
            dataset[start:stop] = np.stack([getattr(frame, field) for frame in batch])
        self._timestamp.resize(stop, axis=0)
        self._timestamp[start:stop] = [frame.timestamp for frame in batch]
        if self.attrs.compress:
            self._append_jpeg(batch, start, stop)
        else:
            for cam, dataset in self._images.items():
                dataset.resize(stop, axis=0)
                for t, frame in enumerate(batch, start):
                    # A frame is exactly one unfiltered chunk: hand HDF5 its bytes as they are,
                    # skipping the selection and chunk-cache copies (half the CPU of dataset[t]=).
                    image = np.ascontiguousarray(frame.images[cam])
                    dataset.id.write_direct_chunk((t, 0, 0, 0), image)
        self.frames = stop

    def flush(self) -> None:
        """Hand data and metadata to the OS, so a killed process leaves a readable file."""
        self._file.flush()

    def close(self, dropped_frames: int) -> None:
        """Record how many frames were dropped and close the file."""
        if self._file.id.valid:
            self._file.attrs["dropped_frames"] = int(dropped_frames)
        self.abort()

    def abort(self) -> None:
        """Close without further writes (discarding or after an error)."""
        if self._encoders is not None:
            self._encoders.shutdown(wait=True)
        if self._file.id.valid:
            self._file.close()

    def _write_attrs(self, attrs: EpisodeAttrs) -> None:
        root = self._file.attrs
        root["sim"] = bool(attrs.sim)
        root["compress"] = bool(attrs.compress)
        root["prompt"] = attrs.prompt
        root["fps"] = float(attrs.fps)
        root["robot"] = attrs.robot
        root["cameras"] = list(attrs.cameras)
        root["format_version"] = layout.FORMAT_VERSION
        if attrs.compress:
            root["jpeg_quality"] = int(attrs.jpeg_quality)

    def _create_images(self, cam: str, size: tuple[int, int]) -> h5py.Dataset:
        name = f"{layout.IMAGES}/{cam}"
        height, width = size
        if self.attrs.compress:
            # (T, N) rows; N grows to the longest JPEG seen so far.
            smallest, largest = JPEG_CHUNK_BYTES
            chunk = min(largest, max(smallest, height * width * 3 // 64))
            return self._file.create_dataset(
                name, shape=(0, 0), maxshape=(None, None), chunks=(1, chunk), dtype=np.uint8
            )
        frame_shape = (height, width, 3)
        return self._file.create_dataset(
            name,
            shape=(0, *frame_shape),
            maxshape=(None, *frame_shape),
            chunks=(1, *frame_shape),  # one frame per chunk: reading step t touches only step t
            dtype=np.uint8,
        )

    def _append_jpeg(self, batch: list[RecordedFrame], start: int, stop: int) -> None:
        assert self._compress_len is not None and self._encoders is not None
        quality = self.attrs.jpeg_quality
        jobs = {
            cam: [self._encoders.submit(layout.encode_jpeg, f.images[cam], quality) for f in batch]
            for cam in self._images
        }
        lengths = np.zeros((len(self.attrs.cameras), len(batch)), dtype=np.int32)
        for row, (cam, dataset) in enumerate(self._images.items()):
            encoded = [job.result() for job in jobs[cam]]
            lengths[row] = [len(data) for data in encoded]
            width = max(dataset.shape[1], int(lengths[row].max()))
            dataset.resize((stop, width))
            for t, data in enumerate(encoded, start):
                dataset[t, : len(data)] = data
        self._compress_len.resize(stop, axis=1)
        self._compress_len[:, start:stop] = lengths


def write_object_poses(path: Path | str, objects: Sequence[str], poses: np.ndarray) -> None:
    """Add the simulator's object poses (T, objects, 7) to an episode file as env_state."""
    poses = np.asarray(poses, dtype=np.float32)
    if poses.ndim != 3 or poses.shape[1:] != (len(objects), 7):
        raise ValueError(f"object poses must be (T, {len(objects)}, 7), got {poses.shape}")
    with h5py.File(path, "a") as file:
        frames = len(file[layout.QPOS])
        if len(poses) != frames:
            raise ValueError(f"{len(poses)} object poses for an episode of {frames} frames")
        if layout.ENV_STATE in file:
            del file[layout.ENV_STATE]
        dataset = file.create_dataset(layout.ENV_STATE, data=poses.reshape(len(poses), -1))
        dataset.attrs[layout.OBJECTS] = list(objects)
