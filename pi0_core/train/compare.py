"""Before and after: the starting checkpoint and the result, evaluated in the simulator on the
same seeds for every task the starting checkpoint knows (and the new data's)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import torch

from pi0_core.train.card_tasks import known_tasks, read_card
from pi0_core.train.config import TrainConfig
from pi0_core.train.evaluation import sim_success_rate, sim_task_of

log = logging.getLogger(__name__)

BEFORE, AFTER = "eval_before", "eval_after"  # metrics.jsonl keys: task -> success rate


@dataclass
class Comparison:
    """Success rates per task of the starting checkpoint (before) and of the result (after)."""

    tasks: tuple[str, ...]
    episodes: int
    seed: int  # first seed; the episodes use seed, seed + 1, ...
    before: dict[str, float] = field(default_factory=dict)
    after: dict[str, float] = field(default_factory=dict)

    def worse(self) -> list[str]:
        """The tasks the result does worse on than the starting checkpoint."""
        return worse_tasks(self.before, self.after)

    def table(self) -> str:
        """Markdown table for the model card."""
        rows = [
            "| task | before (starting checkpoint) | after (these weights) |",
            "| --- | --- | --- |",
        ]
        for task in self.tasks:
            rows.append(
                f"| {task} | {_rate(self.before.get(task))} | {_rate(self.after.get(task))} |"
            )
        return "\n".join(rows)


def worse_tasks(before: dict[str, float], after: dict[str, float]) -> list[str]:
    """Tasks whose success rate fell from `before` to `after`."""
    return [task for task, rate in after.items() if task in before and rate < before[task]]


def learned_tasks(config: TrainConfig, prompts: Iterable[str]) -> tuple[str, ...]:
    """The simulated tasks the result has seen: the starting checkpoint's (from its card) and
    those whose prompts the episodes have."""
    data_tasks = sorted({task for task in map(sim_task_of, set(prompts)) if task is not None})
    known = known_tasks(read_card(config.init)) if config.init is not None else ()
    return tuple(dict.fromkeys([*known, *data_tasks]))


def compare_tasks(config: TrainConfig, prompts: Iterable[str]) -> tuple[str, ...]:
    """The tasks to compare on: none unless the episodes come from a simulated task or
    --eval-task is given; then every task the starting checkpoint's card names, and those."""
    if config.init is None or not config.compare:
        return ()
    prompts = set(prompts)
    if not any(sim_task_of(p) for p in prompts) and config.eval_task is None:
        return ()
    named = list(learned_tasks(config, prompts))
    if config.eval_task is not None:
        named.append(config.eval_task)
    return tuple(dict.fromkeys(named))


def success_rates(
    policy: object, tasks: Sequence[str], episodes: int, seed: int
) -> dict[str, float]:
    """Task -> success rate over the same seeds (and sampling noise) for any policy."""
    rates = {}
    for task in tasks:
        with torch.random.fork_rng():  # the same noise for every policy; training's RNG untouched
            torch.manual_seed(seed)
            rate = sim_success_rate(policy, task, episodes, seed)
        if rate is not None:
            rates[task] = rate
    return rates


def comparison_line(comparison: Comparison) -> str:
    """One log line: before -> after per task."""
    parts = [
        f"{task} {_rate(comparison.before.get(task))} -> {_rate(comparison.after.get(task))}"
        for task in comparison.tasks
    ]
    return f"before -> after on {comparison.episodes} seeds from {comparison.seed}: " + ", ".join(
        parts
    )


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"
