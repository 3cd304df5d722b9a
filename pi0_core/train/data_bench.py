"""`main.py bench --dataset`: training from a LeRobot folder against the same episodes as
JPEG HDF5: samples/s of the data loader alone, and of whole training steps."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from torch.utils.data import DataLoader, RandomSampler
from tqdm import tqdm

from pi0_core.train.config import TrainConfig
from pi0_core.train.loop import train
from pi0_core.train.metrics import read_metrics
from recordings.dataset import EpisodeDataset
from recordings.export import export
from recordings.layout import CAMERA_NAMES, STATE_DIM
from recordings.writer import EpisodeWriter

EPISODES = 4
STEPS = 150  # per episode: 3 s at 50 Hz
IMAGE_SIZE = (240, 320)
BATCH = 8
TRAIN_STEPS = 30  # per run; metrics every 10, the first window (warm-up) left out
DEFAULT_SECONDS = 20.0  # of loading per source


def run_bench(args: argparse.Namespace) -> int:
    """Write the episodes both ways, then time loading and training on each, alternating."""
    cameras = CAMERA_NAMES[: max(1, min(args.cameras, len(CAMERA_NAMES)))]
    seconds = args.seconds or DEFAULT_SECONDS
    with tempfile.TemporaryDirectory(prefix="pi0studio-bench-") as folder:
        sources = _write_sources(Path(folder), cameras)
        loading = {name: _loading_rate(path, seconds) for name, path in sources.items()}
        training: dict[str, list[float]] = {name: [] for name in sources}
        for run in range(2):  # alternating, so a change in the machine's load hits both
            for name, path in sources.items():
                out = Path(folder) / f"run_{name}_{run}"
                training[name].append(_training_rate(path, out, args.preset))
    results = {
        "bench": "dataset",
        "episodes": EPISODES,
        "steps": STEPS,
        "cameras": list(cameras),
        "image_size": list(IMAGE_SIZE),
        "batch_size": BATCH,
        "cpus": os.cpu_count(),
        "load_average": round(os.getloadavg()[0], 2),
        "loader_samples_per_s": {k: round(v, 1) for k, v in loading.items()},
        "train_samples_per_s": {k: round(statistics.median(v), 2) for k, v in training.items()},
    }
    for kind in ("loader_samples_per_s", "train_samples_per_s"):
        rates = results[kind]
        results[kind.replace("samples_per_s", "ratio")] = round(rates["lerobot"] / rates["hdf5"], 2)
    print(
        f"loader: HDF5 (JPEG) {results['loader_samples_per_s']['hdf5']} samples/s, LeRobot (AV1) "
        f"{results['loader_samples_per_s']['lerobot']} samples/s, ratio {results['loader_ratio']}"
    )
    print(
        f"training ({args.preset}, batch {BATCH}): HDF5 {results['train_samples_per_s']['hdf5']} "
        f"samples/s, LeRobot {results['train_samples_per_s']['lerobot']} samples/s, "
        f"ratio {results['train_ratio']}"
    )
    if args.json:
        print(json.dumps(results))
    return 0


def _write_sources(folder: Path, cameras: tuple[str, ...]) -> dict[str, Path]:
    hdf5 = folder / "hdf5"
    sizes = {cam: IMAGE_SIZE for cam in cameras}
    for episode in tqdm(range(EPISODES), desc="writing JPEG HDF5 episodes", unit="episode"):
        writer = EpisodeWriter(
            hdf5 / f"episode_{episode}.hdf5",
            cameras=sizes,
            prompt="pick up the red cube",
            compress=True,
            queue_frames=STEPS + 1,  # nothing is dropped: this is not a real-time recording
        )
        rng = np.random.default_rng(episode)
        joints = rng.normal(size=(STEPS, STATE_DIM)).astype(np.float32)
        for t in range(STEPS):
            images = {cam: _scene(t, i, episode) for i, cam in enumerate(cameras)}
            writer.add_frame(joints[t], joints[t], joints[t], joints[t], images, t / 50.0)
        writer.close()
    lerobot = export([hdf5], "lerobot", folder / "lerobot")
    return {"hdf5": hdf5, "lerobot": lerobot}


def _scene(t: int, camera: int, episode: int) -> np.ndarray:
    """Smooth shading, a block moving across, and sensor noise: like a camera's frames."""
    height, width = IMAGE_SIZE
    rows, cols = np.mgrid[0:height, 0:width]
    base = np.stack(
        [cols * 200 / width, rows * 200 / height, (rows + cols + 40 * camera) % 256], axis=-1
    )
    top, left = 40 + t % 80, (60 + 2 * t + 30 * camera + 17 * episode) % (width - 80)
    base[top : top + 60, left : left + 80] = (220, 40, 40)
    noise = np.random.default_rng(t * 7 + camera).normal(0, 3, base.shape)
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def _loading_rate(path: Path, seconds: float) -> float:
    """Random samples/s through a DataLoader with one worker process, as training loads them."""
    dataset = EpisodeDataset(path, chunk_size=50)
    loader = DataLoader(
        dataset,
        batch_size=BATCH,
        sampler=RandomSampler(dataset, replacement=True, num_samples=10**9),
        num_workers=1,
        collate_fn=list,
    )
    batches = iter(loader)
    next(batches)  # the worker's start-up is not loading
    count, start = 0, time.monotonic()
    while time.monotonic() - start < seconds:
        count += len(next(batches))
    return count / (time.monotonic() - start)


def _training_rate(path: Path, out: Path, preset: str) -> float:
    """Median samples/s of the metrics windows after the first."""
    config = TrainConfig(
        data=(str(path),),
        out=str(out),
        preset=preset,
        steps=TRAIN_STEPS,
        batch_size=BATCH,
        log_every=10,
        save_every=10**6,
        num_workers=1,
    )
    train(config)
    rates = [record["samples_per_s"] for record in read_metrics(out)][1:]
    return statistics.median(rates)
