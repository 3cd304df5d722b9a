"""Evaluation as the robot runs: the app's chunk execution on the simulator, with latency.

The simulator keeps stepping while the policy "computes": a chunk asked for at tick T (from
the observation of tick T) arrives at tick T + delay and drives from there; meanwhile the
robot executes whatever the schedule holds. The scheduling is `ChunkExecution`, the object
the app's policy runner uses, so `main.py eval` measures what the app does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.runtime.execution import (
    DEFAULT_GUIDANCE,
    ChunkExecution,
    ChunkRequest,
    ExecutionConfig,
)
from app.runtime.policy_runner import ChunkPolicy, infer_chunk
from drivers.sim.evaluate import checked_chunk, observe
from drivers.sim.world import CONTROL_PERIOD, AlohaSim


def delay_ticks_for(latency_ms: float, period_s: float = CONTROL_PERIOD) -> int:
    """Control ticks that pass during `latency_ms` (rounded up: a late chunk misses its tick)."""
    if latency_ms < 0:
        raise ValueError(f"latency must be >= 0 ms, got {latency_ms:g}")
    return math.ceil(latency_ms / 1000.0 / period_s - 1e-9)


@dataclass
class _InFlight:
    arrival: int  # tick the chunk arrives at (the first it drives)
    chunk: np.ndarray
    request: ChunkRequest


class ScheduledController:
    """One action per simulator step from the app's schedule, each chunk `delay_ticks` late."""

    def __init__(
        self,
        policy: ChunkPolicy,
        sim: AlohaSim,
        image_size: tuple[int, int],
        config: ExecutionConfig,
        delay_ticks: int,
    ) -> None:
        if delay_ticks < 0:
            raise ValueError(f"delay must be >= 0 ticks, got {delay_ticks}")
        self.policy, self.sim, self.image_size = policy, sim, image_size
        self.execution = ChunkExecution(config)
        self.delay_ticks = delay_ticks
        self.calls = 0
        self.switch_ticks: list[int] = []  # steps at which a new chunk replaced the previous one
        self.held_ticks = 0  # steps with nothing scheduled (before the first chunk, or ran out)
        self._in_flight: _InFlight | None = None
        self._last: np.ndarray | None = None

    def __call__(self, step: int) -> np.ndarray:
        if self.execution.needs_chunk(step):
            self._ask(step)
        if self._in_flight is not None and self._in_flight.arrival <= step:
            flight, self._in_flight = self._in_flight, None
            replaced = not self.execution.schedule.empty
            if self.execution.deliver(flight.chunk, flight.request, step) >= 0 and replaced:
                self.switch_ticks.append(step)
        action = self.execution.action(step)
        if action is None:  # nothing scheduled: hold the last command (the start pose at first)
            self.held_ticks += 1
            action = self._last if self._last is not None else self.sim.qpos()
        self._last = np.asarray(action, np.float32)
        return self._last

    def _ask(self, step: int) -> None:
        obs = observe(self.sim, self.policy.cameras, self.image_size)
        request = self.execution.request(step)
        chunk = checked_chunk(infer_chunk(self.policy, obs, request))
        self.calls += 1
        self._in_flight = _InFlight(step + self.delay_ticks, chunk, request)


def scheduled_controllers(
    mode: str, delay_ticks: int, guidance: str = DEFAULT_GUIDANCE
) -> Callable[[ChunkPolicy, AlohaSim, tuple[int, int], int], ScheduledController]:
    """An `evaluate(controller=...)` factory: `mode` execution, `replan` as its horizon."""
    if delay_ticks < 0:
        raise ValueError(f"delay must be >= 0 ticks, got {delay_ticks}")

    def make(
        policy: ChunkPolicy, sim: AlohaSim, image_size: tuple[int, int], replan: int
    ) -> ScheduledController:
        config = ExecutionConfig(mode, execution_horizon=replan, guidance=guidance)
        return ScheduledController(policy, sim, image_size, config, delay_ticks)

    ExecutionConfig(mode, guidance=guidance)  # an unknown name fails here, before any episode
    return make
