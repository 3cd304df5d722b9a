"""Key presses from the terminal, one character at a time, for headless keyboard teleoperation."""

from __future__ import annotations

import contextlib
import os
import select
import sys
import threading
from collections.abc import Callable, Iterator

POLL_S = 0.05  # how often the reading thread looks at its stop flag


@contextlib.contextmanager
def terminal_keys(on_key: Callable[[str], object]) -> Iterator[None]:
    """Call `on_key(char)` for each key typed while inside; the terminal echoes nothing and
    needs no Enter meanwhile, and is restored after. A one-line error without a terminal."""
    if not sys.stdin.isatty():
        raise ValueError("keyboard teleoperation reads keys from a terminal; stdin is not one")
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            ready, _, _ = select.select([fd], [], [], POLL_S)
            if ready:
                char = os.read(fd, 1).decode(errors="ignore")
                if char:
                    on_key(char)

    tty.setcbreak(fd)
    reader = threading.Thread(target=read, name="terminal-keys", daemon=True)
    reader.start()
    try:
        yield
    finally:
        stop.set()
        reader.join()
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
