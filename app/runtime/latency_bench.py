"""`main.py bench --latency`: success and smoothness per task × delay × execution mode.

Every cell runs the same seeded episodes (apart from the demonstrations' seeds) through the
app's own chunk execution with each chunk arriving `delay` ticks after its observation
(`app.runtime.sim_execution`). It also times one chunk guided and unguided on this machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import dataclass

import numpy as np

from app.cli.checkpoint_options import checkpoint_options
from app.runtime.execution import EXECUTION_MODES

DELAYS = (0, 3, 6, 10, 15)  # ticks at 50 Hz: 0 to 300 ms
# The execution modes, and rtc with the Jacobian-free guidance as a fifth column.
BENCH_MODES = {
    **{mode: (mode, "vjp") for mode in EXECUTION_MODES},
    "rtc-jf": ("rtc", "jacobian-free"),
}
TASKS = ("pick_color", "transfer_cube", "insertion")
FIRST_SEED = 100_000  # the demonstrations use seeds below this
TIMING_CHUNKS = 10  # chunks timed per sampler variant


@dataclass(frozen=True)
class Cell:
    """One task × delay × mode result."""

    task: str
    delay_ticks: int
    execution: str
    episodes: int
    successes: int
    max_switch_step: float | None  # rad
    mean_abs_jerk: float | None  # rad/s³
    seconds: float  # wall time of the cell

    @property
    def success_rate(self) -> float:
        return self.successes / max(self.episodes, 1)

    def line(self) -> str:
        """One progress line."""
        return (
            f"{self.task:14s} delay {self.delay_ticks:2d}  {self.execution:6s}  "
            f"{self.successes:3d}/{self.episodes:<3d} ({100 * self.success_rate:5.1f}%)  "
            f"switch step {_fmt(self.max_switch_step, 4)} rad  "
            f"|jerk| {_fmt(self.mean_abs_jerk, 0)} rad/s³  ({self.seconds:.0f} s)"
        )


def _fmt(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def run_bench(args: argparse.Namespace) -> int:
    """Run every cell and print a line per cell, the tables, and the JSON object with --json."""
    from app.cli.demos import quiet_render_logs

    quiet_render_logs()
    tasks = tuple(args.tasks or TASKS)
    episodes = 10 if args.episodes is None else args.episodes
    delays = tuple(getattr(args, "delays", None) or DELAYS)
    modes = tuple(getattr(args, "modes", None) or BENCH_MODES)
    _check(tasks, episodes, delays, modes)
    policy, name = _policy(args.checkpoint, args.device, checkpoint_options(args))
    print(
        f"latency bench: policy {name}, tasks {', '.join(tasks)}, delays {delays} ticks, "
        f"modes {', '.join(modes)}, {episodes} episodes per cell from seed {FIRST_SEED}",
        flush=True,
    )
    timing = time_guidance(policy)
    print(
        "inference per chunk (median of "
        f"{TIMING_CHUNKS}): unguided {timing['unguided_ms']} ms, rtc (vector-Jacobian) "
        f"{timing['rtc_ms']} ms = {timing['rtc_ratio']}x, rtc Jacobian-free "
        f"{timing['rtc_jacobian_free_ms']} ms",
        flush=True,
    )
    cells = []
    for task in tasks:
        for delay in delays:
            for mode in modes:
                cells.append(run_cell(policy, task, delay, mode, episodes))
                print(cells[-1].line(), flush=True)
    for line in table_lines(cells):
        print(line)
    if args.json:
        result = {
            "policy": name,
            "episodes": episodes,
            "first_seed": FIRST_SEED,
            "inference": timing,
            "cells": [{**cell.__dict__, "success_rate": cell.success_rate} for cell in cells],
        }
        print(json.dumps(result), flush=True)
    return 0


def run_cell(policy, task: str, delay: int, mode: str, episodes: int) -> Cell:
    """`episodes` seeded episodes of one task with one delay and execution mode."""
    import torch

    from app.runtime.sim_execution import scheduled_controllers
    from drivers.sim.evaluate import evaluate, render_size_for

    torch.manual_seed(FIRST_SEED)  # the same noise draws in every cell
    execution, guidance = BENCH_MODES[mode]
    started = time.perf_counter()
    report = evaluate(
        task,
        policy,
        episodes,
        seed=FIRST_SEED,
        image_size=render_size_for(policy),
        controller=scheduled_controllers(execution, delay, guidance),
        execution=mode,
        delay_ticks=delay,
    )
    return Cell(
        task=task,
        delay_ticks=delay,
        execution=mode,
        episodes=episodes,
        successes=report.successes,
        max_switch_step=report.max_switch_step(),
        mean_abs_jerk=report.mean_abs_jerk(),
        seconds=round(time.perf_counter() - started, 1),
    )


def time_guidance(policy, delay: int = 6) -> dict:
    """Median ms per chunk: unguided, guided by the paper's variant, and Jacobian-free."""
    from pi0_core.fast.guidance import GuidanceConfig

    obs = policy.blank_observation()
    previous = policy.infer(obs)
    prefix = previous[policy.chunk_size // 2 :]
    variants = {
        "unguided_ms": lambda: policy.infer(obs),
        "rtc_ms": lambda: policy.infer(obs, prefix=prefix, delay=delay),
        "rtc_jacobian_free_ms": lambda: policy.infer(
            obs, prefix=prefix, delay=delay, guidance=GuidanceConfig(jacobian=False)
        ),
    }
    for infer in variants.values():
        infer()  # warm up
    times: dict[str, list[float]] = {key: [] for key in variants}
    for _ in range(TIMING_CHUNKS):  # interleaved, so a busy moment hits every variant alike
        for key, infer in variants.items():
            started = time.perf_counter()
            infer()
            times[key].append((time.perf_counter() - started) * 1000.0)
    timing = {key: round(statistics.median(values), 1) for key, values in times.items()}
    timing["rtc_ratio"] = round(timing["rtc_ms"] / timing["unguided_ms"], 2)
    return timing


def table_lines(cells: list[Cell]) -> list[str]:
    """Markdown tables per task: success % and largest switch step per delay × mode."""
    lines = []
    modes = list(dict.fromkeys(cell.execution for cell in cells))
    for task in dict.fromkeys(cell.task for cell in cells):
        rows = [cell for cell in cells if cell.task == task]
        delays = list(dict.fromkeys(cell.delay_ticks for cell in rows))
        lines += ["", f"{task} ({rows[0].episodes} episodes per cell): success %, switch step rad"]
        lines.append("| delay (ticks / ms) | " + " | ".join(modes) + " | rtc/naive step |")
        lines.append("| --- |" + " --- |" * (len(modes) + 1))
        for delay in delays:
            by_mode = {cell.execution: cell for cell in rows if cell.delay_ticks == delay}
            values = [
                f"{100 * by_mode[m].success_rate:.0f} / {_fmt(by_mode[m].max_switch_step, 3)}"
                if m in by_mode
                else "-"
                for m in modes
            ]
            ratio = _fmt(switch_step_ratio(rows, task, delay), 2)
            lines.append(f"| {delay} / {delay * 20} | " + " | ".join(values) + f" | {ratio} |")
    return lines


def _check(tasks: tuple[str, ...], episodes: int, delays: tuple[int, ...], modes) -> None:
    from drivers.sim.tasks import get_task

    for task in tasks:
        get_task(task)  # a typo fails before the policy loads
    if episodes < 1:
        raise ValueError(f"--episodes must be at least 1, got {episodes}")
    if any(delay < 0 for delay in delays):
        raise ValueError("delays must be >= 0 ticks")
    unknown = [mode for mode in modes if mode not in BENCH_MODES]
    if unknown:
        raise ValueError(f"unknown mode {unknown[0]!r}; known: {', '.join(BENCH_MODES)}")


def _policy(checkpoint: str | None, device: str | None, options: dict):
    """The given checkpoint or the bundled one (a clear error when there is none); options:
    Policy.load's keyword arguments of the command line (--norm-stats, --prompt-as-typed, ...)."""
    from pathlib import Path

    from pi0_core.bundled import BUNDLED_CHECKPOINT
    from pi0_core.policy import Policy

    path = Path(checkpoint) if checkpoint else BUNDLED_CHECKPOINT
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    return Policy.load(path, device=device, **options), str(path)


def switch_step_ratio(cells: list[Cell], task: str, delay: int) -> float | None:
    """rtc's largest switch step over naive's at one task and delay (None if either is missing)."""
    steps = {
        cell.execution: cell.max_switch_step
        for cell in cells
        if cell.task == task and cell.delay_ticks == delay
    }
    if not steps.get("rtc") or not steps.get("naive"):
        return None
    return float(np.round(steps["rtc"] / steps["naive"], 3))
