"""Hands out frames of a recorded source at a steady rate, as a live camera would."""

from __future__ import annotations

import threading
import time


class FramePacer:
    """Sleeps until the next frame is due; after a long stall it restarts instead of bursting."""

    def __init__(self, fps: float, stop: threading.Event) -> None:
        if fps <= 0:
            raise ValueError("fps must be positive")
        self.period_s = 1.0 / fps
        self._stop = stop
        self._next_s: float | None = None

    def wait(self) -> None:
        """Block until the next frame is due, or until asked to stop."""
        now = time.monotonic()
        if self._next_s is None or now - self._next_s > self.period_s:
            self._next_s = now
        delay = self._next_s - now
        self._next_s += self.period_s
        if delay > 0:
            self._stop.wait(delay)

    def restart(self) -> None:
        """Forget the schedule, e.g. after the source was reopened."""
        self._next_s = None
