"""The session's event log: short lines for the GUI, mirrored to `logging`."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque

log = logging.getLogger("app.runtime")


class EventLog:
    """A bounded, thread-safe log of recent events, newest last."""

    def __init__(self, capacity: int = 200) -> None:
        self._lines: deque[str] = deque(maxlen=capacity)
        self._lock = threading.Lock()
        self._start = time.monotonic()
        self.count = 0  # events ever logged

    def add(self, message: str, level: int = logging.INFO) -> None:
        """Log one event; cheap enough to call from the control loop."""
        line = f"{time.monotonic() - self._start:8.2f}s  {message}"
        with self._lock:
            self._lines.append(line)
            self.count += 1
        log.log(level, message)

    def lines(self) -> tuple[str, ...]:
        """A copy of the recent lines."""
        with self._lock:
            return tuple(self._lines)
