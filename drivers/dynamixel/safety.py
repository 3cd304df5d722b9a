"""Puts every connected arm in its safe state at process exit, on Ctrl-C and on SIGTERM."""

from __future__ import annotations

import atexit
import logging
import signal
import threading
import weakref
from typing import Protocol

log = logging.getLogger(__name__)


class Safeable(Protocol):
    """Something that can be made safe, waiting at most `timeout` seconds for its bus."""

    name: str

    def make_safe(self, timeout: float | None = None) -> None: ...


_arms: weakref.WeakSet = weakref.WeakSet()
_installed = False
_previous: dict[int, object] = {}


def register(arm: Safeable) -> None:
    """Make `arm` safe at exit (installs the handlers on first use)."""
    _arms.add(arm)
    _install()


def unregister(arm: Safeable) -> None:
    """Forget `arm` (after it was disconnected)."""
    _arms.discard(arm)


def make_all_safe(timeout: float | None = 0.5) -> None:
    """Every registered arm to its safe state; errors are logged, never raised."""
    for arm in list(_arms):
        try:
            arm.make_safe(timeout=timeout)
        except Exception as exc:  # at exit, one arm's failure must not spare the others
            log.error("could not make %s safe: %s", getattr(arm, "name", arm), exc)


def _install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    atexit.register(make_all_safe)
    if threading.current_thread() is not threading.main_thread():
        return  # signal handlers can only be set from the main thread
    for signum in (signal.SIGINT, signal.SIGTERM):
        current = signal.getsignal(signum)
        # Leave handlers that an application installed on purpose (e.g. a GUI) alone.
        if current in (signal.default_int_handler, signal.SIG_DFL):
            _previous[signum] = current
            signal.signal(signum, _on_signal)


def _on_signal(signum: int, frame: object) -> None:
    # Do not wait: the interrupted code may hold a bus; atexit catches whatever is skipped here.
    make_all_safe(timeout=0)
    previous = _previous.get(signum)
    if callable(previous):
        previous(signum, frame)
    raise SystemExit(128 + signum)
