"""Tiny LeRobot datasets for the tests: exported from HDF5 episodes, or written as v2.1."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from recordings import layout
from recordings.export import export
from recordings.lerobot.video import VideoEncoder
from recordings.lerobot.writer import LeRobotWriter
from recordings.sources import find_episodes, open_episode
from tests.recordings.episodes import write_episode

CAMERAS = {"cam_high": (32, 32), "cam_left_wrist": (32, 32)}
STEPS = 20
PROMPTS = ("pick up the red cube", "pick up the blue cube")


def write_hdf5_folder(folder: Path, episodes: int = 2, steps: int = STEPS) -> list[dict]:
    """HDF5 episodes through EpisodeWriter (raw images); returns what each holds."""
    return [
        write_episode(
            folder / f"episode_{i}.hdf5",
            steps,
            cameras=CAMERAS,
            prompt=PROMPTS[i % len(PROMPTS)],
            seed=i,
        )
        for i in range(episodes)
    ]


def export_folder(tmp_path: Path, episodes: int = 2) -> Path:
    """A v3.0 dataset exported from fresh HDF5 episodes."""
    write_hdf5_folder(tmp_path / "hdf5", episodes)
    return export([tmp_path / "hdf5"], "lerobot", tmp_path / "lerobot")


def write_lerobot_folder(tmp_path: Path, episodes: int = 2) -> Path:
    """As `export_folder`, through LeRobotWriter directly (no progress bar, no tqdm thread)."""
    write_hdf5_folder(tmp_path / "hdf5", episodes)
    readers = [open_episode(path) for path in find_episodes(tmp_path / "hdf5")]
    LeRobotWriter(tmp_path / "lerobot", 50).append(readers)
    for reader in readers:
        reader.close()
    return tmp_path / "lerobot"


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio of two uint8 image stacks, in dB."""
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


RIGHT_FIRST = [f"right_{j}" for j in layout.ARM_JOINTS] + [f"left_{j}" for j in layout.ARM_JOINTS]


def write_v21(root: Path, episodes: int = 2, steps: int = STEPS, fps: int = 50) -> list[dict]:
    """A v2.1 dataset in LeRobot's layout, right arm first, camera `top`; returns per episode
    the state and action in ALOHA's order (left first) and the frames."""
    rng = np.random.default_rng(0)
    swap = np.r_[7:14, 0:7]  # ALOHA order -> right arm first (and back)
    features = {
        "observation.state": {"dtype": "float32", "shape": [14], "names": {"motors": RIGHT_FIRST}},
        "action": {"dtype": "float32", "shape": [14], "names": [RIGHT_FIRST[:7], RIGHT_FIRST[7:]]},
        "observation.images.top": {
            "dtype": "video",
            "shape": [32, 32, 3],
            "names": ["height", "width", "channel"],
            "video_info": {"video.fps": fps, "video.codec": "av1", "video.pix_fmt": "yuv420p"},
        },
        **{
            name: {"dtype": dtype, "shape": [1], "names": None}
            for name, dtype in (
                ("timestamp", "float32"),
                ("frame_index", "int64"),
                ("episode_index", "int64"),
                ("index", "int64"),
                ("task_index", "int64"),
            )
        },
    }
    info = {
        "codebase_version": "v2.1",
        "robot_type": "aloha",
        "total_episodes": episodes,
        "total_frames": episodes * steps,
        "total_tasks": 1,
        "total_videos": episodes,
        "total_chunks": 1,
        "chunks_size": 1000,
        "fps": fps,
        "splits": {"train": f"0:{episodes}"},
        "data_path": "data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet",
        "video_path": (
            "videos/chunk-{episode_chunk:03d}/{video_key}/episode_{episode_index:06d}.mp4"
        ),
        "features": features,
    }
    (root / "meta").mkdir(parents=True)
    (root / "meta/info.json").write_text(json.dumps(info))
    (root / "meta/tasks.jsonl").write_text(json.dumps({"task_index": 0, "task": "fold"}) + "\n")
    lines, written = [], []
    for e in range(episodes):
        state = rng.normal(size=(steps, 14)).astype(np.float32)  # ALOHA order
        action = rng.normal(size=(steps, 14)).astype(np.float32)
        frames = _frames(steps, seed=e)
        table = pa.table(
            {
                "observation.state": pa.array(state[:, swap].tolist(), pa.list_(pa.float32())),
                "action": pa.array(action[:, swap].tolist(), pa.list_(pa.float32())),
                "timestamp": pa.array(np.arange(steps) / fps, pa.float32()),
                "frame_index": pa.array(np.arange(steps), pa.int64()),
                "episode_index": pa.array(np.full(steps, e), pa.int64()),
                "index": pa.array(np.arange(e * steps, (e + 1) * steps), pa.int64()),
                "task_index": pa.array(np.zeros(steps), pa.int64()),
            }
        )
        data = root / f"data/chunk-000/episode_{e:06d}.parquet"
        data.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, data)
        video = root / f"videos/chunk-000/observation.images.top/episode_{e:06d}.mp4"
        encoder = VideoEncoder(video, fps, (32, 32))
        for frame in frames:
            encoder.add(frame)
        encoder.close()
        lines.append(json.dumps({"episode_index": e, "tasks": ["fold"], "length": steps}))
        written.append({"state": state, "action": action, "frames": frames})
    (root / "meta/episodes.jsonl").write_text("\n".join(lines) + "\n")
    return written


def _frames(steps: int, seed: int) -> np.ndarray:
    rows, cols = np.mgrid[0:32, 0:32]
    base = np.stack([rows * 6, cols * 6, (rows + cols) * 3 + 40 * seed], axis=-1)
    return np.stack([np.clip(base + 4 * t, 0, 255).astype(np.uint8) for t in range(steps)])
