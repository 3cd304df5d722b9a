"""Evaluation as the app runs: real-time episodes through the session, on the simulator or the
virtual ALOHA (the real Dynamixel driver on a simulated bus), with the runtime's own loop."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from app.runtime.policy_runner import ChunkPolicy, RunnerConfig
from app.runtime.robots import make_robot, simulator_of
from app.runtime.session import RobotSession
from app.runtime.sim_execution import delay_ticks_for
from app.runtime.snapshot import Mode
from drivers.sim.evaluate import EpisodeOutcome, EvalReport, Phrase
from drivers.sim.smoothness import max_switch_step, mean_abs_jerk
from drivers.sim.tasks import get_task

LIVE_ROBOTS = ("sim", "virtual")
POLL_S = 0.05  # how often the episode's stage and success are looked at


def evaluate_live(
    robot_kind: str,
    task: str,
    policy: ChunkPolicy,
    episodes: int,
    *,
    seed: int = 100_000,
    rate_hz: float = 50.0,
    runner: RunnerConfig | None = None,
    image_size: tuple[int, int] = (240, 320),
    on_episode: Callable[[EpisodeOutcome], None] | None = None,
    phrase: Phrase | None = None,
    prompt_set: str | None = None,
) -> EvalReport:
    """Success over `episodes` seeded episodes, each run in real time on a fresh robot.

    phrase(scene prompt, scene colour, seed): the prompt an episode runs with instead of the
    scene's own (`eval --robot --prompts`, labelled `prompt_set`), judged on what it names, as
    the app judges a typed prompt.

    With `runner.min_latency_ms` set, every chunk takes at least that long: the same delay on
    every robot, whatever the CPU's load (the report counts the chunks that took longer)."""
    if robot_kind not in LIVE_ROBOTS:
        raise ValueError(f"live evaluation runs on {' or '.join(LIVE_ROBOTS)}, not {robot_kind!r}")
    spec = get_task(task)
    outcomes = []
    for index in range(episodes):
        outcome = _episode(
            robot_kind, spec, policy, seed + index, rate_hz, runner, image_size, phrase
        )
        outcomes.append(outcome)
        if on_episode is not None:
            on_episode(outcome)
    return replace(live_report(spec.name, outcomes, spec.stages, runner), prompt_set=prompt_set)


def live_report(
    task: str, outcomes: list[EpisodeOutcome], stages: tuple[str, ...], runner: RunnerConfig | None
) -> EvalReport:
    """The report of real-time episodes: at a set latency, its delay (at least: `chunks_late`
    took longer); else none is claimed, as measured delays vary."""
    if runner is None or not runner.min_latency_ms:
        return EvalReport(task, tuple(outcomes), stages)
    return EvalReport(
        task,
        tuple(outcomes),
        stages,
        delay_ticks=delay_ticks_for(runner.min_latency_ms),
        set_latency_ms=runner.min_latency_ms,
    )


def _episode(kind, spec, policy, seed, rate_hz, runner, image_size, phrase) -> EpisodeOutcome:
    robot = make_robot(
        kind, task=spec.name, seed=seed, cameras=tuple(policy.cameras), image_size=image_size
    )
    sim = simulator_of(robot)
    prompt = sim.prompt if phrase is None else phrase(sim.prompt, sim.target_color or "", seed)
    session = RobotSession(robot, policy, rate_hz=rate_hz, runner=runner)
    start = time.monotonic()
    stage, success, steps, chunks, inference_ms = 0, False, 0, 0, ()
    smoothness: tuple[float | None, float | None] = (None, None)
    clamped = None
    try:
        session.start()
        session.set_prompt(prompt)  # success judged for the cube it names
        session.set_mode(Mode.POLICY)
        first_tick = session.snapshot().tick
        while True:
            snap = session.snapshot()
            steps = snap.tick - first_tick
            success, chunks = bool(snap.task_success), snap.chunks
            stage = max(stage, sim.stage())
            if success or snap.error or steps >= spec.episode_steps:
                break
            time.sleep(POLL_S)
        inference_ms = tuple(float(ms) for ms in session.runner.latencies_ms())
        smoothness = _smoothness(session, first_tick, rate_hz)
        clamped = session.gate.clamped_ticks
    finally:
        session.stop()
        robot.disconnect()
    if success:
        stage = len(spec.stages) + 1
    return EpisodeOutcome(
        seed=seed,
        success=success,
        steps=steps,
        seconds=time.monotonic() - start,
        policy_calls=chunks,
        stage=stage,
        inference_ms=inference_ms,
        max_switch_step=smoothness[0],
        mean_abs_jerk=smoothness[1],
        clamped_ticks=clamped,
        prompt=prompt,
    )


def _smoothness(
    session: RobotSession, first_tick: int, rate_hz: float
) -> tuple[float | None, float | None]:
    """The episode's largest command step at a chunk switch and mean |jerk|, from the commands
    the followers were sent (after the safety layer) since `first_tick`."""
    ticks, commands = session.command_history()
    sent = (ticks >= first_tick) & ~np.isnan(commands).any(axis=1)
    ticks, commands = ticks[sent], commands[sent].astype(np.float64)
    row_of = {int(tick): row for row, tick in enumerate(ticks)}
    switches = [row_of[int(tick)] for tick in session.runner.switch_ticks() if int(tick) in row_of]
    return max_switch_step(commands, switches), mean_abs_jerk(commands, 1.0 / rate_hz)
