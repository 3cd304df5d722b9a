"""Pacing of the control loop on absolute monotonic deadlines, and its period statistics."""

from __future__ import annotations

import threading
import time

import numpy as np

from app.runtime.history import Ring
from app.runtime.snapshot import LoopStats


class Pacer:
    """Sleeps until the next deadline of a fixed-rate schedule; never drifts, never bursts."""

    def __init__(self, rate_hz: float, window: int = 500) -> None:
        if rate_hz <= 0:
            raise ValueError("rate_hz must be positive")
        self.period = 1.0 / rate_hz
        self.ticks = 0
        self.overruns = 0  # ticks whose work ended after the next deadline
        self.skipped = 0  # deadlines given up after a long stall (the loop does not catch up)
        self._periods = Ring(window)  # seconds between tick starts
        self._lock = threading.Lock()  # stats() runs on other threads
        self._deadline: float | None = None
        self._last_start: float | None = None

    def begin_tick(self) -> float:
        """Mark the start of a tick; returns its monotonic start time."""
        now = time.monotonic()
        if self._deadline is None:
            self._deadline = now
        if self._last_start is not None:
            with self._lock:
                self._periods.append(now - self._last_start)
        self._last_start = now
        return now

    def wait_next(self, stop: threading.Event) -> None:
        """Sleep until the next deadline, or return at once (counting an overrun) if past it."""
        self.ticks += 1
        self._deadline += self.period
        now = time.monotonic()
        if now > self._deadline:
            self.overruns += 1
            behind = int((now - self._deadline) / self.period)
            if behind:
                # After a stall keep the phase but skip the missed deadlines instead of bursting.
                self.skipped += behind
                self._deadline += behind * self.period
            return
        stop.wait(self._deadline - now)

    def stats(self) -> LoopStats:
        """Period statistics over the recent window, in milliseconds."""
        with self._lock:
            periods = self._periods.values() * 1000.0
        if not len(periods):
            return LoopStats(overruns=self.overruns, ticks=self.ticks)
        p50, p99 = np.percentile(periods, [50, 99])
        return LoopStats(
            period_mean_ms=float(periods.mean()),
            period_p50_ms=float(p50),
            period_p99_ms=float(p99),
            period_max_ms=float(periods.max()),
            overruns=self.overruns,
            ticks=self.ticks,
        )
