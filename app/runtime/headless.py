"""Watch a running session from the terminal: telemetry each second until done or Ctrl-C."""

from __future__ import annotations

import time
from collections.abc import Callable

from app.runtime.console import summary_lines, telemetry_line, work_failed
from app.runtime.session import RobotSession


def watch(
    session: RobotSession,
    seconds: float | None,
    done: Callable[[], bool] = lambda: False,
    out: Callable[[str], None] = print,
    every_s: float = 1.0,
) -> float:
    """Print a telemetry line every `every_s` until `seconds` pass, `done()` or an error.

    Returns the seconds watched. Ctrl-C ends the watch early (the caller still cleans up).
    """
    start = time.monotonic()
    next_line = start + every_s
    try:
        while True:
            now = time.monotonic()
            if seconds is not None and now - start >= seconds:
                break
            if done() or session.snapshot().error:
                break
            if now >= next_line:
                out(telemetry_line(session.snapshot(), now - start))
                next_line += every_s
            time.sleep(0.05)
    except KeyboardInterrupt:
        out("interrupted: stopping")
    return time.monotonic() - start


def print_summary(
    session: RobotSession, elapsed_s: float, out: Callable[[str], None] = print
) -> int:
    """Print the closing report; returns the exit code (1 when the session ended in an error
    or an episode could not be recorded)."""
    snap = session.snapshot()
    for line in summary_lines(snap, elapsed_s):
        out(line)
    return 1 if work_failed(snap) else 0
