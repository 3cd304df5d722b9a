"""The --eval-task hook: roll the current policy out in the simulator, if it is installed."""

from __future__ import annotations

import importlib
import logging

log = logging.getLogger(__name__)


def sim_success_rate(policy: object, task: str, episodes: int, seed: int) -> float | None:
    """Success rate of `policy` on `task` over `episodes` rollouts; None if the sim is missing.

    drivers.sim.evaluate knows nothing of models: it takes any object with `infer(obs)` and
    `cameras`, which our Policy is.
    """
    try:
        sim_evaluate = importlib.import_module("drivers.sim.evaluate")
    except ImportError as exc:
        log.warning("no simulator evaluation available (%s): skipping --eval-task", exc)
        return None
    image_size = sim_evaluate.render_size_for(policy)
    report = sim_evaluate.evaluate(task, policy, episodes, seed=seed, image_size=image_size)
    return float(report.success_rate)


def sim_task_of(prompt: str) -> str | None:
    """The simulated task one of whose phrasings `prompt` is, else None (or no simulator)."""
    try:
        tasks = importlib.import_module("drivers.sim.tasks")
    except ImportError:
        return None
    for task in tasks.TASKS.values():
        if prompt in task.all_prompts():
            return task.name
    return None
