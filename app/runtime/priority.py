"""Thread scheduling hint: the control loop before everything else (Linux; best effort)."""

from __future__ import annotations

import logging
import os
import threading

log = logging.getLogger(__name__)

# Needs CAP_SYS_NICE (or root); quietly skipped without it. Inference keeps the default: on a
# busy machine a lower priority would make its chunks arrive too late to be used.
CONTROL_NICE = -5


def set_thread_nice(nice: int) -> bool:
    """Set the calling thread's nice value; False where the OS or the user's rights refuse."""
    if not hasattr(os, "setpriority"):
        return False
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
    except OSError as exc:
        log.debug("cannot set nice %d for %s: %s", nice, threading.current_thread().name, exc)
        return False
    return True
