"""The Datasets tab's reach into `recordings`: scan, replay, edit, trash. Blocking: use workers."""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

TRASH_FOLDER = "trash"  # deleted episodes go to <dataset>/trash/, never straight to oblivion


@dataclass(frozen=True)
class EpisodeRow:
    """One line of the dataset table."""

    path: Path | Any  # an HDF5 file, or a LeRobotEpisode of a LeRobot dataset
    ok: bool
    message: str  # the validator's verdict, in words
    prompt: str = ""
    steps: int = 0
    fps: float = 0.0
    cameras: tuple[str, ...] = ()
    sim: bool | None = None
    duration_s: float | None = None  # from the stored timestamps (the real rate)

    @property
    def editable(self) -> bool:
        """Only HDF5 files can have their prompt changed or go to the trash, one by one."""
        return isinstance(self.path, Path)

    @property
    def seconds(self) -> float:
        """Duration of the episode: measured when timestamps are stored, else steps / fps."""
        if self.duration_s is not None:
            return self.duration_s
        return self.steps / self.fps if self.fps else 0.0


@dataclass(frozen=True)
class DatasetStats:
    """Totals over the good episodes of a folder."""

    episodes: int
    bad: int
    steps: int
    seconds: float
    prompts: tuple[tuple[str, int], ...]  # (prompt, episodes), most common first
    cameras: tuple[str, ...]

    def describe(self) -> str:
        """One paragraph for the tab."""
        prompts = "; ".join(f"“{p or '(none)'}” ×{n}" for p, n in self.prompts[:6])
        return (
            f"{self.episodes} good episodes, {self.bad} bad · {self.steps} steps · "
            f"{self.seconds / 60:.1f} min · cameras: {', '.join(self.cameras) or '–'}\n"
            f"prompts: {prompts or '–'}"
        )


@dataclass(frozen=True)
class ReplayData:
    """What the replay panel needs up front (images are read frame by frame)."""

    path: Path | Any  # as EpisodeRow.path
    prompt: str
    fps: float
    cameras: tuple[str, ...]
    t: np.ndarray  # (T,) seconds from the start
    qpos: np.ndarray  # (T, 14)
    action: np.ndarray  # (T, 14)


def scan_folder(folder: str | Path) -> list[EpisodeRow]:
    """Validate every episode in `folder` (HDF5 files or a LeRobot dataset) and read the
    metadata of the good ones."""
    from recordings.lerobot.reader import LeRobotEpisode
    from recordings.sources import open_episode
    from recordings.validate import validate_path

    rows = []
    for result in validate_path(folder):
        if not isinstance(result.path, LeRobotEpisode) and not Path(result.path).is_file():
            raise FileNotFoundError(result.message)  # an empty, missing or unreadable folder
        if not result.ok:
            rows.append(EpisodeRow(result.path, False, result.message))
            continue
        with open_episode(result.path) as reader:
            stamps = reader.timestamps()
            rows.append(
                EpisodeRow(
                    path=result.path,
                    ok=True,
                    message=result.message,
                    prompt=reader.prompt,
                    steps=len(reader),
                    fps=reader.fps,
                    cameras=tuple(reader.cameras),
                    sim=reader.sim if isinstance(result.path, Path) else None,  # LeRobot: unknown
                    duration_s=float(stamps[-1] - stamps[0]) if len(stamps) > 1 else None,
                )
            )
    return rows


def dataset_stats(rows: list[EpisodeRow]) -> DatasetStats:
    """Totals over `rows`."""
    good = [row for row in rows if row.ok]
    cameras = sorted({cam for row in good for cam in row.cameras})
    return DatasetStats(
        episodes=len(good),
        bad=len(rows) - len(good),
        steps=sum(row.steps for row in good),
        seconds=sum(row.seconds for row in good),
        prompts=tuple(Counter(row.prompt for row in good).most_common()),
        cameras=tuple(cameras),
    )


def open_replay(path: str | Path) -> tuple[Any, ReplayData]:
    """Open an episode for replay: the reader stays open for frame-by-frame images."""
    from recordings import layout
    from recordings.sources import open_episode

    reader = open_episode(path)
    try:
        t = reader.timestamps()
        data = ReplayData(
            path=reader.path,
            prompt=reader.prompt,
            fps=reader.fps,
            cameras=tuple(reader.cameras),
            t=t - t[0] if len(t) else t,
            qpos=reader.array(layout.QPOS),
            action=reader.array(layout.ACTION),
        )
    except Exception:
        reader.close()
        raise
    return reader, data


def read_images(reader: Any, step: int) -> dict[str, np.ndarray]:
    """Every camera's image at `step`."""
    return {cam: reader.images(cam, step) for cam in reader.cameras}


def move_to_trash(path: str | Path) -> Path:
    """Move an episode into `trash/` beside it (a new name if one is there); returns where."""
    path = Path(path)
    trash = path.parent / TRASH_FOLDER
    trash.mkdir(exist_ok=True)
    target = trash / path.name
    counter = 1
    while target.exists():
        target = trash / f"{path.stem}.{counter}{path.suffix}"
        counter += 1
    shutil.move(str(path), target)
    return target


def joint_statistics(paths: list[Path]) -> Any:
    """Per-joint state and action statistics (the ones training normalises with). Blocking."""
    from recordings.stats import compute_norm_stats

    return compute_norm_stats(paths)
