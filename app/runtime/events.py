"""The session's event log: short lines for the GUI, mirrored to `logging`."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque

log = logging.getLogger("app.runtime")


def clock_stamp() -> str:
    """Wall-clock time of day to the millisecond, to match events with videos and other logs."""
    now = time.time()
    return f"{time.strftime('%H:%M:%S', time.localtime(now))}.{int(now % 1 * 1000):03d}"


class EventLog:
    """A bounded, thread-safe log of recent events, newest last."""

    def __init__(self, capacity: int = 200) -> None:
        self._lines: deque[str] = deque(maxlen=capacity)
        self._lock = threading.Lock()
        self.count = 0  # events ever logged

    def add(self, message: str, level: int = logging.INFO) -> None:
        """Log one event; cheap enough to call from the control loop."""
        # Wall-clock time, as the GUI's own notices, to match videos and other logs.
        now = time.time()
        line = (
            f"{time.strftime('%H:%M:%S', time.localtime(now))}.{int(now % 1 * 1000):03d}  {message}"
        )
        with self._lock:
            self._lines.append(line)
            self.count += 1
        log.log(level, message)

    def lines(self) -> tuple[str, ...]:
        """A copy of the recent lines."""
        with self._lock:
            return tuple(self._lines)
