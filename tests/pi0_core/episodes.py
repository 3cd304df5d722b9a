"""Small recorded episodes for the training tests, written with the recordings writer."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from recordings.writer import EpisodeWriter

CAMERAS = {"cam_high": (24, 32), "cam_left_wrist": (24, 32)}


def write_episode(
    path: Path,
    steps: int = 40,
    seed: int = 0,
    prompt: str = "wave",
    objects: bool = False,
    object_name: str = "bar_joint",
    bar: tuple[int, int, int] = (255, 255, 255),
) -> Path:
    """Smooth joint motions; the top camera shows a bar that moves with the first joint.

    With `objects`, the bar is also stored as an object (`object_name`) whose x is its column.
    """
    rng = np.random.default_rng(seed)
    time = np.arange(steps)[:, None] / steps
    phases, speeds = rng.uniform(0, 2 * np.pi, 14), rng.uniform(0.3, 1.0, 14)  # cycles per episode
    qpos = (0.5 * np.sin(2 * np.pi * speeds * time + phases)).astype(np.float32)  # (T, 14)
    action = np.roll(qpos, -1, axis=0)
    action[-1] = qpos[-1]
    writer = EpisodeWriter(path, cameras=CAMERAS, prompt=prompt, queue_frames=steps + 1)
    for t in range(steps):
        high = np.zeros((24, 32, 3), dtype=np.uint8)
        column = int((qpos[t, 0] + 0.5) * 31)
        high[:, max(0, column - 2) : column + 2] = bar
        wrist = np.full((24, 32, 3), int(127 + 100 * qpos[t, 7]), dtype=np.uint8)
        images = {"cam_high": high, "cam_left_wrist": wrist}
        zeros = np.zeros(14, dtype=np.float32)
        assert writer.add_frame(qpos[t], zeros, zeros, action[t], images, t / 50)
    if not objects:
        return writer.close()
    poses = np.zeros((steps, 1, 7), dtype=np.float32)
    poses[:, 0, 0], poses[:, 0, 3] = qpos[:, 0], 1.0
    return writer.close(object_poses=([object_name], poses))


def write_folder(
    folder: Path,
    episodes: int = 2,
    steps: int = 40,
    objects: bool = False,
    prompt: str = "wave",
    bar: tuple[int, int, int] = (255, 255, 255),
) -> Path:
    """A folder of `episodes` episodes; `bar`: the top camera's bar colour."""
    for index in range(episodes):
        path = folder / f"episode_{index}.hdf5"
        write_episode(path, steps=steps, seed=index, prompt=prompt, objects=objects, bar=bar)
    return folder
