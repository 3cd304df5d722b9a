"""How action chunks are executed: when to ask for the next, how it joins the current one.

One object, no threads and no clock but the tick count: the app's policy runner drives it from
its inference thread, and the latency evaluation drives it with a simulated delay, so `eval`
measures the app's own scheduling.

Modes:
- `sync`: after the execution horizon the robot holds its last action until the next chunk
  arrives, which then starts from its first action (the robot waited for the policy).
- `naive`: the next chunk replaces the rest of the current one from its arrival tick, skipping
  the actions that elapsed while it was computed (none when the robot held meanwhile: before
  the first chunk, or after a chunk ran out).
- `blend`: as naive, with the overlap of the old and new chunk cross-faded.
- `rtc`: real-time chunking: the next chunk is sampled inpainted onto what the current one
  still holds (its first `delay` actions run anyway while it is computed), then replaces it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from app.runtime.chunks import ActionSchedule

EXECUTION_MODES = ("sync", "naive", "blend", "rtc")
DEFAULT_EXECUTION = "rtc"  # measured best by `main.py bench --latency` (see docs/latency.md)
# rtc's guidance: the paper's vector-Jacobian product through the action expert, or without it.
GUIDANCE_VARIANTS = ("vjp", "jacobian-free")
# Jacobian-free by default: on the bundled policy it measured as successful as the paper's
# variant at every delay, with switch steps a half to a third of its, at half the inference
# time (`main.py bench --latency`, 2026-12-03, docs/latency.md).
DEFAULT_GUIDANCE = "jacobian-free"


@dataclass(frozen=True)
class ExecutionConfig:
    """The execution mode and its two tick counts."""

    mode: str = DEFAULT_EXECUTION  # one of EXECUTION_MODES
    # Ticks of a chunk executed before the next is asked for (the paper's s); None: a fraction.
    execution_horizon: int | None = None
    replan_fraction: float = 0.5  # the horizon as a share of the chunk when it is None
    delay_window: int = 10  # the delay estimate is the largest of this many measured delays
    guidance: str = DEFAULT_GUIDANCE  # rtc only: one of GUIDANCE_VARIANTS

    def __post_init__(self) -> None:
        if self.guidance not in GUIDANCE_VARIANTS:
            raise ValueError(
                f"unknown guidance {self.guidance!r}; known: {', '.join(GUIDANCE_VARIANTS)}"
            )
        if self.mode not in EXECUTION_MODES:
            raise ValueError(
                f"unknown execution mode {self.mode!r}; known: {', '.join(EXECUTION_MODES)}"
            )
        if self.execution_horizon is not None and self.execution_horizon < 1:
            raise ValueError(f"execution_horizon must be >= 1 tick, got {self.execution_horizon}")
        if not 0 < self.replan_fraction <= 1:
            raise ValueError("replan_fraction must be in (0, 1]")
        if self.delay_window < 1:
            raise ValueError("delay_window must be >= 1")

    def horizon(self, chunk_length: int) -> int:
        """Ticks of a chunk of this length executed before the next request."""
        if self.execution_horizon is not None:
            return max(1, min(self.execution_horizon, chunk_length))
        return max(1, int(chunk_length * self.replan_fraction))


@dataclass(frozen=True)
class ChunkRequest:
    """One request for a chunk: the observation's tick and, for rtc, what to inpaint onto."""

    obs_tick: int  # the tick of the observation the chunk is computed from (its row 0)
    prefix: np.ndarray | None  # (K, 14) actions scheduled from obs_tick on (rtc only)
    delay: int  # estimated ticks before the chunk arrives
    guidance: str = DEFAULT_GUIDANCE  # how the sampler pulls toward the prefix


class ChunkExecution:
    """Which action runs on which tick, for one execution mode."""

    def __init__(self, config: ExecutionConfig | None = None) -> None:
        self.config = config or ExecutionConfig()
        self.schedule = ActionSchedule(blend=self.config.mode == "blend")
        self.pending: ChunkRequest | None = None
        self._delays: deque[int] = deque(maxlen=self.config.delay_window)  # measured, ticks
        self._hold_tick: int | None = None  # sync: the last tick of the chunk's horizon

    @property
    def mode(self) -> str:
        """The execution mode."""
        return self.config.mode

    def clear(self) -> None:
        """Drop every scheduled action and any request in flight (measured delays are kept)."""
        self.schedule.clear()
        self.pending = None
        self._hold_tick = None

    def delay_estimate(self) -> int:
        """Ticks the next chunk is expected to take: the largest of the recent measured delays."""
        return max(self._delays, default=0)

    def needs_chunk(self, tick: int) -> bool:
        """True when a chunk should be asked for at `tick` (none is in flight)."""
        if self.pending is not None:
            return False
        if self.schedule.empty:
            return True
        length = self.schedule.chunk_length
        threshold = self.config.horizon(length)
        if self.mode != "sync":  # ask early enough that the chunk comes before this one ends
            threshold = max(1, min(threshold, length - self.delay_estimate() - 1))
        return self.schedule.executed(tick) >= threshold

    def request(self, obs_tick: int) -> ChunkRequest:
        """Register a request from the observation of `obs_tick`; rtc gets the actions ahead."""
        prefix = None
        if self.mode == "rtc" and not self.schedule.empty:
            prefix = self.schedule.ahead(obs_tick)
        self.pending = ChunkRequest(obs_tick, prefix, self.delay_estimate(), self.config.guidance)
        return self.pending

    def deliver(self, chunk: np.ndarray, request: ChunkRequest, first_tick: int) -> int:
        """Install a chunk from `first_tick`, the first tick it can drive; returns steps skipped.

        Returns -1 (the schedule unchanged) when the whole chunk is already in the past.
        """
        if request is self.pending:
            self.pending = None
        self._delays.append(max(0, first_tick - request.obs_tick))
        if self.mode == "sync":  # the robot held still: the chunk starts from its first action
            skipped = self.schedule.install(chunk, first_tick, first_tick)
            horizon = self.config.horizon(len(chunk))
            self._hold_tick = first_tick + horizon - 1
            return skipped
        # The chunk's rows follow the observed state as the robot goes on moving: skip only the
        # ticks the schedule drove since the observation. Where it held (no chunk yet, or the
        # last one ran out), those rows never ran: skipping them would jump the command.
        driven = min(first_tick, self.schedule.end_tick()) - request.obs_tick
        driven = 0 if self.schedule.empty else max(0, driven)
        return self.schedule.install(chunk, first_tick - driven, first_tick)

    def action(self, tick: int) -> np.ndarray | None:
        """The action for `tick`, or None when nothing is scheduled for it."""
        if self._hold_tick is not None and tick > self._hold_tick:
            tick = self._hold_tick  # sync: hold the horizon's last action until the next chunk
        return self.schedule.action(tick)

    def ahead(self, tick: int) -> np.ndarray:
        """(K, 14) the actions scheduled from `tick` on."""
        return self.schedule.ahead(tick)
