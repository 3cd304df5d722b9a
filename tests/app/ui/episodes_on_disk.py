"""Small episode files for the Datasets and Fine-tune tests, written with the real writer."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from recordings.writer import EpisodeWriter

CAMERAS = {"cam_high": (24, 32), "cam_left_wrist": (24, 32), "cam_right_wrist": (24, 32)}


def write_episode(path: Path, steps: int = 30, prompt: str = "pick up the cube") -> Path:
    """A smooth little episode: joints move along sines, images are colour ramps."""
    writer = EpisodeWriter(path, cameras=CAMERAS, prompt=prompt, fps=50, robot="sim", sim=True)
    phase = np.linspace(0, np.pi, steps, dtype=np.float32)
    for t in range(steps):
        qpos = 0.3 * np.sin(phase[t] + np.arange(14, dtype=np.float32) / 3)
        action = qpos + 0.05
        images = {
            cam: np.full((*shape, 3), (40 + 6 * t) % 255, np.uint8)
            for cam, shape in CAMERAS.items()
        }
        assert writer.add_frame(qpos, np.zeros(14), np.zeros(14), action, images, t / 50.0)
    return writer.close()


def write_dataset(folder: Path, episodes: int = 2, corrupt: bool = True) -> Path:
    """`episodes` good files, and one cut-short file when `corrupt`."""
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(episodes):
        write_episode(folder / f"episode_{index}.hdf5")
    if corrupt:
        good = (folder / "episode_0.hdf5").read_bytes()
        (folder / f"episode_{episodes}.hdf5").write_bytes(good[: len(good) // 3])
    return folder
