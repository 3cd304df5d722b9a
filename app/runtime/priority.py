"""Thread scheduling for the control loop: real-time where allowed, else a nicer nice (Linux)."""

from __future__ import annotations

import logging
import os
import threading

from drivers.realtime import set_thread_realtime

__all__ = ["raise_control_priority", "set_thread_nice", "set_thread_realtime"]

log = logging.getLogger(__name__)

# SCHED_FIFO priority of the control thread: above every normal thread (camera rendering,
# inference, the GUI), low among real-time ones (kernel threads and audio use 50 and more).
# Needs CAP_SYS_NICE, root, or an rtprio limit (as audio users get from limits.conf).
CONTROL_RT_PRIORITY = 10
# The fall back when real-time is refused (needs CAP_SYS_NICE too, but some systems allow it).
# Inference keeps the default: on a busy machine a lower priority would make its chunks late.
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


def raise_control_priority(realtime: bool = True) -> str:
    """Give the calling (control) thread the best scheduling it may have; says which it got.

    Returns "real-time" (SCHED_FIFO), "nice -5" or "normal".
    """
    if realtime and set_thread_realtime(CONTROL_RT_PRIORITY):
        return f"real-time (SCHED_FIFO {CONTROL_RT_PRIORITY})"
    if set_thread_nice(CONTROL_NICE):
        return f"nice {CONTROL_NICE}"
    return "normal"
