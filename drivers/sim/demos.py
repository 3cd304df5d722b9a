"""Scripted demonstrations written as HDF5 episodes, ready to train on."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from drivers.sim.rollout import Rollout, run_scripted
from drivers.sim.tasks import get_task
from drivers.sim.world import CAMERAS, AlohaSim

log = logging.getLogger(__name__)

DEFAULT_CAMERAS = ("cam_high", "cam_left_wrist", "cam_right_wrist")
_MAX_PENDING_FRAMES = 32  # wait for the writer rather than let it drop a frame


@dataclass
class DemoSummary:
    """What `generate_episodes` did."""

    written: list[Path] = field(default_factory=list)
    retries: int = 0  # seeds whose demonstration failed and were replaced by the next seed
    seconds: float = 0.0

    @property
    def seconds_per_episode(self) -> float:
        """Wall-clock seconds per written episode."""
        return self.seconds / max(len(self.written), 1)


def generate_episodes(
    task: str,
    episodes: int,
    out: Path | str,
    seed: int = 0,
    cameras: Sequence[str] = DEFAULT_CAMERAS,
    size: tuple[int, int] = (480, 640),
    compress: bool = False,
    first_index: int | None = None,
    progress: bool = False,
) -> DemoSummary:
    """Write `episodes` successful scripted episodes to `out` as `episode_<i>.hdf5`.

    Seeds `seed`, `seed + 1`, ... are tried in turn; one whose demonstration never met the
    task's success rule (the measure `eval` uses too) is counted and skipped.
    Each seed is simulated without rendering first and rendered only if it succeeded.
    Indices continue after the folder's episodes unless `first_index` is given (processes
    writing to one folder should each get their own index range and seeds).
    """
    spec = get_task(task)
    _check_arguments(episodes, cameras, size)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    index = _next_index(out) if first_index is None else first_index
    summary = DemoSummary()
    started = time.perf_counter()
    bar = _progress_bar(episodes, f"demos {spec.name}", progress)
    with AlohaSim(spec, seed) as sim:
        attempt_seed = seed
        while len(summary.written) < episodes:
            rollout = run_scripted(sim, attempt_seed)
            if rollout.success:
                path = out / f"episode_{index}.hdf5"
                summary.written.append(_write(sim, rollout, path, cameras, size, compress))
                index += 1
                bar.update(1)
            else:
                summary.retries += 1
                log.info(
                    "seed %d: the scripted demonstration failed, trying the next", attempt_seed
                )
                bar.set_postfix(retries=summary.retries)
                if summary.retries > max(10, episodes):
                    raise RuntimeError(
                        f"{spec.name}: {summary.retries} scripted demonstrations failed"
                    )
            attempt_seed += 1
    bar.close()
    summary.seconds = time.perf_counter() - started
    return summary


def _write(
    sim: AlohaSim,
    rollout: Rollout,
    path: Path,
    cameras: Sequence[str],
    size: tuple[int, int],
    compress: bool,
) -> Path:
    """Replay the recorded physics states with rendering and write the episode file.

    The objects' poses go beside the images as `/observations/env_state` (gym-aloha's name).
    """
    from recordings.writer import EpisodeWriter

    height, width = size
    phrasings = sim.task.prompts_for(sim.target_color)
    prompt = random.Random(rollout.seed).choice(phrasings)
    writer = EpisodeWriter(
        path,
        cameras={cam: (height, width) for cam in cameras},
        prompt=prompt,
        robot="sim",
        sim=True,
        compress=compress,
    )
    poses = []
    try:
        for t, state in enumerate(rollout.states):
            sim.set_state(state)
            poses.append(sim.object_poses())
            images = {cam: sim.render(cam, height, width) for cam in cameras}
            while writer.pending >= _MAX_PENDING_FRAMES:
                time.sleep(0.002)
            writer.add_frame(
                rollout.qpos[t],
                rollout.qvel[t],
                rollout.effort[t],
                rollout.action[t],
                images,
                float(rollout.timestamps[t]),
            )
        if writer.dropped:
            raise RuntimeError(f"{path.name}: the episode writer dropped {writer.dropped} frames")
        return writer.close(object_poses=(list(sim.object_joints), np.stack(poses)))
    except BaseException:
        writer.discard()
        raise


def _check_arguments(episodes: int, cameras: Sequence[str], size: tuple[int, int]) -> None:
    if episodes < 1:
        raise ValueError(f"episodes must be at least 1, got {episodes}")
    if not cameras:
        raise ValueError("at least one camera is needed")
    unknown = [cam for cam in cameras if cam not in CAMERAS]
    if unknown:
        raise ValueError(f"unknown camera {unknown[0]!r}; known: {', '.join(CAMERAS)}")
    if len(size) != 2 or min(size) < 8 or max(size) > 4096:
        raise ValueError(f"image size must be HEIGHTxWIDTH between 8 and 4096, got {size}")


def _next_index(folder: Path) -> int:
    """One more than the highest `episode_<i>` (complete or partial) in `folder`, else 0."""
    indices = [-1]
    for path in folder.glob("episode_*.hdf5*"):
        number = path.name.removeprefix("episode_").split(".")[0]
        if number.isdigit():
            indices.append(int(number))
    return max(indices) + 1


def _progress_bar(total: int, description: str, enabled: bool) -> tqdm:
    return tqdm(total=total, desc=description, unit="episode", disable=not enabled)
