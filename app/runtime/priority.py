"""Thread scheduling hints: the control loop first, inference after it (Linux; best effort)."""

from __future__ import annotations

import logging
import os
import threading

log = logging.getLogger(__name__)

CONTROL_NICE = -5  # needs CAP_SYS_NICE (or root); quietly skipped without it
INFERENCE_NICE = 5  # always allowed: inference yields the CPU to the loop and the cameras


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
