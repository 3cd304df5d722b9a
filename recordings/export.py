"""Converting episodes between HDF5 and LeRobot v3.0, into a folder that appears only when done."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from recordings import layout
from recordings.episode_file import EpisodeAttrs, EpisodeFile, RecordedFrame
from recordings.lerobot.writer import LeRobotWriter
from recordings.sources import EpisodeRef, find_episodes, open_episode

log = logging.getLogger(__name__)

FORMATS = ("lerobot", "hdf5")
_BATCH = 64  # frames per HDF5 append
JPEG_QUALITY = 90  # video frames are lossy already: keep what is left of them


def export(
    paths: Sequence[Path | str],
    to: str,
    out: Path | str,
    fps: float | None = None,
    codec: str = "av1",
    camera_map: dict[str, str] | None = None,
) -> Path:
    """Write the episodes under `paths` to a new folder `out` in format `to`; returns `out`.

    Everything is written into a hidden folder beside `out`, renamed to `out` at the end: an
    export that fails leaves no folder that looks complete.
    """
    if to not in FORMATS:
        raise ValueError(f"--to must be one of {', '.join(FORMATS)}, got {to!r}")
    out = Path(out)
    if out.exists():
        raise FileExistsError(f"{out} already exists; give a new folder to --out")
    episodes = find_episodes(list(paths), camera_map)
    if not episodes:
        raise FileNotFoundError("no episodes found in the paths given")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.{os.getpid()}.partial"
    staging.mkdir()
    try:
        if to == "lerobot":
            _to_lerobot(episodes, staging, fps, codec)
        else:
            _to_hdf5(episodes, staging)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def _to_lerobot(episodes: list[EpisodeRef], root: Path, fps: float | None, codec: str) -> None:
    readers = [open_episode(e) for e in episodes]
    try:
        rates = {reader.fps for reader in readers}
        if fps is None and len(rates) > 1:
            raise ValueError(
                f"the episodes were recorded at different rates {sorted(rates)}: give --fps"
            )
        fps = fps if fps is not None else rates.pop()
        writer = LeRobotWriter(root, fps, codec)
        total = sum(len(r) for r in readers)
        with tqdm(total=total, unit="frame", desc="export to LeRobot") as bar:
            writer.append(readers, progress=bar.update)
    finally:
        for reader in readers:
            reader.close()


def _to_hdf5(episodes: list[EpisodeRef], folder: Path) -> None:
    total = 0
    for episode in episodes:
        with open_episode(episode) as reader:
            total += len(reader)
    with tqdm(total=total, unit="frame", desc="export to HDF5") as bar:
        for number, episode in enumerate(episodes):
            with open_episode(episode) as reader:
                _write_hdf5(reader, folder / f"episode_{number}.hdf5", bar.update)


def _write_hdf5(reader, path: Path, progress) -> None:
    """One episode as an HDF5 file with JPEG images, as ALOHA records them."""
    first = {cam: reader.images(cam, 0) for cam in reader.cameras}
    attrs = EpisodeAttrs(
        prompt=reader.prompt,
        fps=reader.fps,
        robot=reader.robot or "aloha",
        sim=reader.sim,
        compress=True,
        cameras=tuple(reader.cameras),
        jpeg_quality=JPEG_QUALITY,
    )
    sizes = {cam: image.shape[:2] for cam, image in first.items()}
    file = EpisodeFile(layout.partial_path(path), attrs, sizes, reader.state_dim)
    try:
        joints = [reader.array(name) for name in layout.JOINT_ARRAYS]
        stamps = reader.timestamps()
        for start in range(0, len(reader), _BATCH):
            steps = range(start, min(start + _BATCH, len(reader)))
            file.append(
                [
                    RecordedFrame(
                        *(array[t] for array in joints),
                        images={cam: reader.images(cam, t) for cam in reader.cameras},
                        timestamp=float(stamps[t]),
                    )
                    for t in steps
                ]
            )
            progress(len(steps))
        file.close(dropped_frames=0)
    except BaseException:
        file.abort()
        raise
    layout.partial_path(path).rename(path)
