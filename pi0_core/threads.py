"""How many torch threads a CPU process should use on a machine that may already be busy."""

from __future__ import annotations

import os

THREADS_ENV = "OMP_NUM_THREADS"  # set by the user: used as given, whatever the load


def cpu_threads(processes: int = 1) -> int:
    """Torch threads per process: `OMP_NUM_THREADS` when set, else the idle cores shared out,
    at least one.

    On a machine already busy, extra threads only spin waiting for cores (measured: two threads
    ran at a third of the speed of one at a load of 9 on 2 cores, and inference 20x slower).
    """
    given = os.environ.get(THREADS_ENV, "").strip()
    if given.isdigit() and int(given) > 0:
        return int(given)
    cores = os.cpu_count() or 1
    idle = cores - int(os.getloadavg()[0])
    return max(1, min(cores, idle) // max(1, processes))
