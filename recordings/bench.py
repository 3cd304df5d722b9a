"""`main.py bench --recording`: 4 cameras at 480x640 plus state at 50 Hz through EpisodeWriter."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from recordings.layout import CAMERA_NAMES, STATE_DIM
from recordings.writer import EpisodeWriter

FPS = 50.0
IMAGE_SIZE = (480, 640)
DEFAULT_SECONDS = 10.0
_DISTINCT_FRAMES = 10  # synthetic frames per camera, cycled


@dataclass(frozen=True)
class RecordingResult:
    """What one run of the writer did."""

    mode: str  # "raw" or "compressed"
    frames_offered: int
    frames_written: int
    dropped: int
    close_s: float  # time close() took: writing the backlog, closing, renaming
    file_mb: float
    mb_per_s: float  # file size over the time from the first frame to the end of close()
    max_pending: int  # deepest the writer's queue got
    add_frame_max_ms: float  # the longest the control loop spent handing over a frame
    late_ticks: int  # ticks the pacing loop itself started late (a busy machine)


def run_bench(args: argparse.Namespace) -> int:
    """Record raw, then JPEG-compressed, in real time; print the numbers."""
    seconds = getattr(args, "seconds", None) or DEFAULT_SECONDS
    images = _synthetic_images(CAMERA_NAMES, IMAGE_SIZE)
    results = []
    with tempfile.TemporaryDirectory(prefix="pi0studio-bench-") as folder:
        for compress in (False, True):
            result = _record(Path(folder), images, seconds, compress)
            results.append(result)
            print(_describe(result), flush=True)
    load = os.getloadavg()[0]
    print(
        f"{len(CAMERA_NAMES)} cameras {IMAGE_SIZE[0]}x{IMAGE_SIZE[1]} at {FPS:g} Hz for "
        f"{seconds:g} s on {os.cpu_count()} CPU(s), load average {load:.1f}"
    )
    if getattr(args, "json", False):
        summary = {
            "bench": "recording",
            "cameras": len(CAMERA_NAMES),
            "image_size": list(IMAGE_SIZE),
            "fps": FPS,
            "seconds": seconds,
            "cpus": os.cpu_count(),
            "load_average": round(load, 2),
            "results": {r.mode: asdict(r) for r in results},
        }
        print(json.dumps(summary))
    return 0


def _record(
    folder: Path, images: list[dict[str, np.ndarray]], seconds: float, compress: bool
) -> RecordingResult:
    mode = "compressed" if compress else "raw"
    path = folder / f"episode_{mode}.hdf5"
    cameras = {cam: IMAGE_SIZE for cam in CAMERA_NAMES}
    writer = EpisodeWriter(path, cameras=cameras, prompt="benchmark", compress=compress)
    frames = int(round(seconds * FPS))
    state = np.zeros(STATE_DIM, dtype=np.float32)
    period = 1.0 / FPS
    add_max = 0.0
    max_pending = late = 0
    start = next_tick = time.monotonic()
    for step in tqdm(range(frames), desc=f"recording {mode}", unit="frame", leave=False):
        before = time.perf_counter()
        writer.add_frame(state, state, state, state, images[step % len(images)], time.monotonic())
        add_max = max(add_max, time.perf_counter() - before)
        max_pending = max(max_pending, writer.pending)
        next_tick += period
        wait = next_tick - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        elif wait < -period:
            late += 1
            next_tick = time.monotonic()  # do not burst to catch up, as a control loop would not
    before_close = time.monotonic()
    final_path = writer.close()
    done = time.monotonic()
    size_mb = final_path.stat().st_size / 1e6
    final_path.unlink()
    return RecordingResult(
        mode=mode,
        frames_offered=frames,
        frames_written=writer.frames_written,
        dropped=writer.dropped,
        close_s=round(done - before_close, 3),
        file_mb=round(size_mb, 1),
        mb_per_s=round(size_mb / (done - start), 1),
        max_pending=max_pending,
        add_frame_max_ms=round(add_max * 1e3, 3),
        late_ticks=late,
    )


def _describe(r: RecordingResult) -> str:
    return (
        f"{r.mode:>10}: {r.frames_written}/{r.frames_offered} frames written, {r.dropped} dropped, "
        f"close() {r.close_s:.3f} s, {r.file_mb:.0f} MB at {r.mb_per_s:.1f} MB/s, "
        f"queue peak {r.max_pending}, add_frame max {r.add_frame_max_ms:.2f} ms, "
        f"{r.late_ticks} late ticks"
    )


def _synthetic_images(cameras: tuple[str, ...], size: tuple[int, int]) -> list[dict]:
    # Smooth shading, a moving block and sensor noise: JPEG sizes like a real scene's.
    rng = np.random.default_rng(0)
    height, width = size
    rows, cols = np.mgrid[0:height, 0:width]
    frames = []
    for step in range(_DISTINCT_FRAMES):
        per_camera = {}
        for index, cam in enumerate(cameras):
            base = np.stack(
                [cols * 200 / width, rows * 200 / height, (rows + cols + 40 * index) % 256], axis=-1
            )
            top, left = 40 + 10 * step, 60 + 25 * step + 30 * index
            base[top : top + 120, left : left + 160] = (220, 40, 40)
            noisy = base + rng.normal(0, 3, base.shape)
            per_camera[cam] = np.clip(noisy, 0, 255).astype(np.uint8)
        frames.append(per_camera)
    return frames
