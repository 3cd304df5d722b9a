"""Small synthetic episodes for the recordings tests: ours, and ALOHA's original layout."""

from __future__ import annotations

from pathlib import Path

import cv2
import h5py
import numpy as np

from recordings.writer import EpisodeWriter

SMALL_CAMERAS = {"cam_high": (24, 32), "cam_left_wrist": (16, 20)}
PROMPT = "pick up the red cube"


def make_steps(steps: int, cameras: dict[str, tuple[int, int]], seed: int = 0) -> dict:
    """Joint arrays (steps, 14) and smooth images (steps, H, W, 3) that differ at every step."""
    rng = np.random.default_rng(seed)
    arrays = {name: rng.normal(size=(steps, 14)).astype(np.float32) for name in _JOINTS}
    arrays["images"] = {}
    for cam, (height, width) in cameras.items():
        rows, cols = np.mgrid[0:height, 0:width]
        base = np.stack([rows * 4, cols * 4, rows + cols], axis=-1)
        arrays["images"][cam] = np.stack(
            [np.clip(base + 5 * t, 0, 255).astype(np.uint8) for t in range(steps)]
        )
    return arrays


def write_episode(
    path: Path,
    steps: int = 12,
    *,
    compress: bool = False,
    cameras: dict[str, tuple[int, int]] = SMALL_CAMERAS,
    prompt: str = PROMPT,
    seed: int = 0,
) -> dict:
    """Write an episode through EpisodeWriter; returns what was written."""
    data = make_steps(steps, cameras, seed)
    writer = EpisodeWriter(path, cameras=cameras, prompt=prompt, compress=compress)
    for t in range(steps):
        images = {cam: frames[t] for cam, frames in data["images"].items()}
        joints = [data[name][t] for name in _JOINTS]
        assert writer.add_frame(*joints, images=images, timestamp=100.0 + t * 0.02)
    writer.close()
    return data


def write_aloha_episode(
    path: Path,
    steps: int = 12,
    *,
    compress: bool,
    sim: bool = False,
    cameras: dict[str, tuple[int, int]] = SMALL_CAMERAS,
    compress_attr: bool = True,
    seed: int = 0,
) -> dict:
    """Write a file the way ALOHA's record script does: fixed-size datasets, no prompt."""
    data = make_steps(steps, cameras, seed)
    with h5py.File(path, "w", rdcc_nbytes=2 * 1024**2) as root:
        root.attrs["sim"] = sim
        if compress_attr:
            root.attrs["compress"] = compress
        observations = root.create_group("observations")
        image_group = observations.create_group("images")
        if compress:
            _write_jpeg_rows(root, image_group, data["images"], steps)
        else:
            for cam, frames in data["images"].items():
                dataset = image_group.create_dataset(
                    cam, frames.shape, dtype="uint8", chunks=(1, *frames.shape[1:])
                )
                dataset[...] = frames
        for name in ("qpos", "qvel", "effort"):
            # ALOHA relies on h5py's default dtype, float32; newer h5py wants it spelled out.
            observations.create_dataset(name, (steps, 14), dtype="f4")[...] = data[name]
        root.create_dataset("action", (steps, 14), dtype="f4")[...] = data["action"]
    return data


def _write_jpeg_rows(root: h5py.File, group: h5py.Group, images: dict, steps: int) -> None:
    quality = [int(cv2.IMWRITE_JPEG_QUALITY), 50]
    encoded = {
        cam: [cv2.imencode(".jpg", im, quality)[1] for im in frames]
        for cam, frames in images.items()
    }
    lengths = np.array([[len(row) for row in rows] for rows in encoded.values()])
    width = int(lengths.max())
    for cam, rows in encoded.items():
        padded = np.zeros((steps, width), dtype=np.uint8)
        for t, row in enumerate(rows):
            padded[t, : len(row)] = row.reshape(-1)
        group.create_dataset(cam, (steps, width), dtype="uint8", chunks=(1, width))[...] = padded
    root.create_dataset("compress_len", (len(encoded), steps), dtype="f4")[...] = lengths


_JOINTS = ("qpos", "qvel", "effort", "action")
