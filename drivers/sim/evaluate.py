"""Closed-loop evaluation: run a policy (or the scripted expert) on seeded episodes of a task.

Knows nothing of models: a policy is anything with `cameras` and `infer(obs) -> (chunk, 14)`.
Images are rendered only when the policy asks for an observation (and for the video if any).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from drivers.sim.scripted import make_demonstrator
from drivers.sim.smoothness import max_chunk_step, max_switch_step, mean_abs_jerk
from drivers.sim.tasks import get_task
from drivers.sim.video import VIDEO_CAMERA, VIDEO_SIZE, EpisodeVideo
from drivers.sim.world import CAMERAS, CONTROL_PERIOD, AlohaSim

log = logging.getLogger(__name__)

DEFAULT_REPLAN = 25  # steps of a chunk executed before asking for the next one


class ChunkPolicy(Protocol):
    """What the evaluation needs from a policy."""

    cameras: tuple[str, ...]  # cameras it wants in each observation

    def infer(self, obs: dict) -> np.ndarray:
        """(chunk, 14) joint targets from {"images": {cam: HxWx3}, "state": (14,), "prompt"}."""


class Controller(Protocol):
    """One action per step from a policy's chunks."""

    calls: int  # chunks asked for
    switch_ticks: list[int]  # steps at which a new chunk replaced the previous one

    def __call__(self, step: int) -> np.ndarray:
        """The (14,) action for this step (called once per step, in order)."""


# (policy, simulator, camera image size, replan) -> the controller of one episode.
ControllerFactory = Callable[[ChunkPolicy, AlohaSim, tuple[int, int], int], Controller]
Phrase = Callable[[str, str, int], str]  # (scene prompt, scene colour, seed) -> episode prompt


@dataclass(frozen=True)
class EpisodeOutcome:
    """The result of one evaluated episode."""

    seed: int
    success: bool
    steps: int  # steps run (the episode stops at the first success)
    seconds: float
    policy_calls: int
    stage: int = 0  # highest milestone reached (task.stages); len(stages) + 1 on success
    max_switch_step: float | None = None  # largest arm-joint command step at a chunk switch, rad
    mean_abs_jerk: float | None = None  # mean |jerk| of the arm-joint commands, rad/s³
    prompt: str = ""  # what the policy was prompted with
    inference_ms: tuple[float, ...] = ()  # real-time episodes: each chunk's inference time
    clamped_ticks: int | None = None  # real-time episodes: ticks the safety layer changed
    max_chunk_step: float | None = None  # lockstep: largest arm-joint step inside a chunk, rad


@dataclass(frozen=True)
class EvalReport:
    """Success over the evaluated episodes of one task."""

    task: str
    outcomes: tuple[EpisodeOutcome, ...]
    stages: tuple[str, ...] = ()  # the task's milestones before success
    execution: str = "sync"  # how chunks were executed (app.runtime.execution's modes)
    delay_ticks: int = 0  # ticks each chunk took to arrive after its observation
    prompt_set: str | None = None  # `eval --prompts`: where each episode's prompt was drawn from
    set_latency_ms: float | None = None  # real time at a set latency (`eval --robot --latency-ms`)

    @property
    def successes(self) -> int:
        return sum(outcome.success for outcome in self.outcomes)

    @property
    def success_rate(self) -> float:
        return self.successes / max(len(self.outcomes), 1)

    @property
    def seconds_per_episode(self) -> float:
        return sum(o.seconds for o in self.outcomes) / max(len(self.outcomes), 1)

    def stages_reached(self) -> dict[str, int]:
        """Milestone -> episodes that reached it (or a later one), "success" last."""
        names = (*self.stages, "success")
        return {
            name: sum(o.stage >= level for o in self.outcomes)
            for level, name in enumerate(names, start=1)
        }

    def summary(self) -> dict:
        """The JSON line of `main.py eval --json`."""
        summary = {
            "task": self.task,
            "episodes": len(self.outcomes),
            "successes": self.successes,
            "success_rate": self.success_rate,
            "seconds_per_episode": round(self.seconds_per_episode, 3),
            "failed_seeds": [o.seed for o in self.outcomes if not o.success],
            "stages_reached": self.stages_reached(),
            "execution": self.execution,
            "delay_ticks": self.delay_ticks,
            "max_switch_step": self.max_switch_step(),
            "max_chunk_step": self.max_chunk_step(),
            "mean_abs_jerk": self.mean_abs_jerk(),
        }
        if self.prompt_set is not None:
            summary["prompts"] = {"set": self.prompt_set, "by_prompt": self.by_prompt()}
        return summary | self.inference_summary()

    def inference_summary(self) -> dict:
        """Real-time episodes: the chunks' inference times (ms) and, at a set latency, how many
        chunks took longer than it (they arrived late, so that delay was not held for them)."""
        times = [ms for outcome in self.outcomes for ms in outcome.inference_ms]
        if not times:
            return {}
        summary = {
            f"inference_ms_{name}": round(float(np.percentile(times, q)), 1)
            for name, q in (("p50", 50), ("p90", 90), ("max", 100))
        }
        clamped = [o.clamped_ticks for o in self.outcomes if o.clamped_ticks is not None]
        if clamped:
            summary["clamped_ticks"] = sum(clamped)
        if self.set_latency_ms is not None:
            summary["latency_ms"] = self.set_latency_ms
            summary["chunks_late"] = sum(ms > self.set_latency_ms for ms in times)
            summary["chunks"] = len(times)
        return summary

    def by_prompt(self) -> dict[str, list[int]]:
        """Prompt -> [successes, episodes] (`eval --prompts`)."""
        counts: dict[str, list[int]] = {}
        for outcome in self.outcomes:
            count = counts.setdefault(outcome.prompt, [0, 0])
            count[0] += int(outcome.success)
            count[1] += 1
        return counts

    def max_switch_step(self) -> float | None:
        """The largest arm-joint command step at any chunk switch of any episode, rad."""
        steps = [o.max_switch_step for o in self.outcomes if o.max_switch_step is not None]
        return round(max(steps), 5) if steps else None

    def max_chunk_step(self) -> float | None:
        """The largest arm-joint command step inside a chunk (no switch) of any episode, rad."""
        steps = [o.max_chunk_step for o in self.outcomes if o.max_chunk_step is not None]
        return round(max(steps), 5) if steps else None

    def mean_abs_jerk(self) -> float | None:
        """Mean over episodes of the mean |jerk| of the arm-joint commands, rad/s³."""
        jerks = [o.mean_abs_jerk for o in self.outcomes if o.mean_abs_jerk is not None]
        return round(float(np.mean(jerks)), 3) if jerks else None


class ChunkController:
    """Turns a chunk policy into one action per step, asking again every `replan` steps."""

    def __init__(
        self, policy: ChunkPolicy, sim: AlohaSim, replan: int, image_size: tuple[int, int]
    ) -> None:
        self.policy, self.sim, self.replan, self.image_size = policy, sim, replan, image_size
        self.chunk: np.ndarray | None = None  # (chunk, 14)
        self.used = 0
        self.calls = 0
        self.switch_ticks: list[int] = []

    def __call__(self, step: int) -> np.ndarray:
        if self.chunk is None or self.used >= min(self.replan, len(self.chunk)):
            if self.chunk is not None:
                self.switch_ticks.append(step)
            self.chunk = self._infer()
            self.used = 0
        action = self.chunk[self.used]
        self.used += 1
        return action

    def observation(self) -> dict:
        """Images of the policy's cameras, the joint state and the episode's prompt."""
        return observe(self.sim, self.policy.cameras, self.image_size)

    def _infer(self) -> np.ndarray:
        chunk = checked_chunk(self.policy.infer(self.observation()))
        self.calls += 1
        return chunk


def observe(sim: AlohaSim, cameras: tuple[str, ...], image_size: tuple[int, int]) -> dict:
    """A policy observation: images of `cameras`, the joint state and the episode's prompt."""
    height, width = image_size
    images = {cam: sim.render(cam, height, width) for cam in cameras}
    return {"images": images, "state": sim.qpos(), "prompt": sim.prompt}


def checked_chunk(actions: object) -> np.ndarray:
    """The policy's answer as a (chunk, 14) float32 array; a clear error for anything else."""
    chunk = np.asarray(actions, dtype=np.float32)
    if chunk.ndim != 2 or chunk.shape[1] != 14 or len(chunk) == 0:
        raise ValueError(f"the policy returned actions of shape {chunk.shape}, not (chunk, 14)")
    return chunk


def evaluate(
    task: str,
    policy: ChunkPolicy | None,
    episodes: int,
    seed: int = 0,
    replan: int = DEFAULT_REPLAN,
    image_size: tuple[int, int] = (96, 128),
    video_dir: Path | str | None = None,
    on_episode: Callable[[EpisodeOutcome], None] | None = None,
    controller: ControllerFactory | None = None,
    execution: str = "sync",
    delay_ticks: int = 0,
    phrase: Phrase | None = None,
    prompt_set: str | None = None,
) -> EvalReport:
    """Run `episodes` episodes with seeds `seed, seed + 1, ...`; `policy=None` is the expert.

    controller: how chunks become actions (default: lockstep, `ChunkController`); the app's
    runtime gives its own scheduling with a simulated delay. `execution` and `delay_ticks`
    only label the report. phrase(scene prompt, scene colour, seed): the prompt an
    episode runs with instead of the scene's own (`eval --prompts`, labelled `prompt_set`).
    """
    spec = get_task(task)
    _check(policy, episodes, replan)
    outcomes = []
    with AlohaSim(spec, seed) as sim:
        for episode_seed in range(seed, seed + episodes):
            video = None
            if video_dir is not None:
                video = EpisodeVideo(Path(video_dir) / f"{spec.name}_seed{episode_seed}.mp4")
            try:
                outcome = run_one(
                    sim, policy, episode_seed, replan, image_size, video, controller, phrase
                )
            finally:
                if video is not None:
                    video.close()
            log.debug("seed %d: %s", episode_seed, "success" if outcome.success else "failure")
            outcomes.append(outcome)
            if on_episode is not None:
                on_episode(outcome)
    return EvalReport(spec.name, tuple(outcomes), spec.stages, execution, delay_ticks, prompt_set)


def run_one(
    sim: AlohaSim,
    policy: ChunkPolicy | None,
    seed: int,
    replan: int = DEFAULT_REPLAN,
    image_size: tuple[int, int] = (96, 128),
    video: EpisodeVideo | None = None,
    make_controller: ControllerFactory | None = None,
    phrase: Phrase | None = None,
) -> EpisodeOutcome:
    """One episode from `seed` until success or the task's length."""
    started = time.perf_counter()
    sim.reset(seed)
    if phrase is not None:
        sim.prompt = phrase(sim.prompt, sim.target_color or "", seed)  # the scene's own object
        sim.follow_prompt(sim.prompt)  # judged on what it names, as the app and --robot judge
    if policy is None:
        controller, chunk_controller = make_demonstrator(sim), None
    else:
        make_controller = make_controller or _lockstep
        controller = chunk_controller = make_controller(policy, sim, image_size, replan)
    success, steps, stage = False, 0, 0
    commands = []
    for step in range(sim.task.episode_steps):
        action = np.asarray(controller(step), np.float32)
        commands.append(action)
        sim.set_action(action)
        sim.step()
        steps += 1
        if video is not None:
            video.add(sim.render(VIDEO_CAMERA, *VIDEO_SIZE))
        if sim.success():
            success, stage = True, len(sim.task.stages) + 1
            break
        stage = max(stage, sim.stage())
    if phrase is not None:
        sim.follow_prompt(None)  # the next reset is judged on its scene's own prompt again
    calls = chunk_controller.calls if chunk_controller is not None else 0
    seconds = time.perf_counter() - started
    switches = chunk_controller.switch_ticks if chunk_controller is not None else []
    actions = np.stack(commands)
    return EpisodeOutcome(
        seed, success, steps, seconds, calls, stage,
        max_switch_step(actions, switches), mean_abs_jerk(actions, CONTROL_PERIOD), sim.prompt,
        max_chunk_step=max_chunk_step(actions, switches),
    )  # fmt: skip


def _lockstep(
    policy: ChunkPolicy, sim: AlohaSim, image_size: tuple[int, int], replan: int
) -> ChunkController:
    """The simulator waits for every chunk (zero latency): `replan` steps of each are run."""
    return ChunkController(policy, sim, replan, image_size)


def _check(policy: ChunkPolicy | None, episodes: int, replan: int) -> None:
    if episodes < 1:
        raise ValueError(f"episodes must be at least 1, got {episodes}")
    if replan < 1:
        raise ValueError(f"replan must be at least 1 step, got {replan}")
    if policy is not None:
        unknown = [cam for cam in policy.cameras if cam not in CAMERAS]
        if unknown:
            raise ValueError(
                f"the policy wants camera {unknown[0]!r}, the simulator has {', '.join(CAMERAS)}"
            )


def render_size_for(policy: object) -> tuple[int, int]:
    """A 4:3 (height, width) image whose padded resize to the policy's square input is exact.

    A policy that names the `camera_size` it was trained on gets that; one with a square
    `image_size` S gets (3S/4, S); otherwise 120x160.
    """
    trained = getattr(policy, "camera_size", None)
    if trained:
        return int(trained[0]), int(trained[1])
    side = getattr(policy, "image_size", None)
    if isinstance(side, int) and side > 0:
        return (round(side * 3 / 4), side)
    return (120, 160)
