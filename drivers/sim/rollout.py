"""Run one episode with a controller, without rendering, keeping what is needed to replay it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from drivers.sim.world import CONTROL_PERIOD, AlohaSim


@dataclass(frozen=True)
class Rollout:
    """One simulated episode: per-step readings taken before each action, and the outcome."""

    seed: int
    qpos: np.ndarray  # (T, 14) float32
    qvel: np.ndarray  # (T, 14) float32
    effort: np.ndarray  # (T, 14) float32
    action: np.ndarray  # (T, 14) float32, the joint targets sent at each step
    states: np.ndarray  # (T, S) float64 physics states, to render step t exactly later
    success_step: int | None  # first step after which the success rule held, None if never
    final_success: bool  # whether the rule still holds after the last step

    @property
    def success(self) -> bool:
        """Whether the task succeeded at some step (ACT's measure: the highest reward reached)."""
        return self.success_step is not None

    @property
    def timestamps(self) -> np.ndarray:
        """(T,) seconds since the start of the episode."""
        return np.arange(len(self.action)) * CONTROL_PERIOD


def run_episode(sim: AlohaSim, controller: Callable[[int], np.ndarray]) -> Rollout:
    """Run the task's full length from `sim`'s present (just reset) state; never renders."""
    steps = sim.task.episode_steps
    readings = {name: np.zeros((steps, 14), np.float32) for name in ("qpos", "qvel", "effort")}
    actions = np.zeros((steps, 14), np.float32)
    states: list[np.ndarray] = []
    success_step = None
    for t in range(steps):
        readings["qpos"][t] = sim.qpos()
        readings["qvel"][t] = sim.qvel()
        readings["effort"][t] = sim.effort()
        states.append(sim.get_state())
        actions[t] = controller(t)
        sim.set_action(actions[t])
        sim.step()
        if success_step is None and sim.success():
            success_step = t
    return Rollout(
        seed=sim.seed,
        action=actions,
        states=np.stack(states),
        success_step=success_step,
        final_success=sim.success(),
        **readings,
    )


def run_scripted(sim: AlohaSim, seed: int) -> Rollout:
    """One episode of the task's scripted expert from `seed`."""
    from drivers.sim.scripted import make_demonstrator

    sim.reset(seed)
    return run_episode(sim, make_demonstrator(sim))
