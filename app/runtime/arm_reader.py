"""Read several arms in one go: on separate ports a tick waits for the slowest, not the sum."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from drivers.arm import Arm, ArmState


class ArmReader:
    """Reads arms in parallel threads (real or virtual buses) or in the caller (simulator)."""

    def __init__(self, parallel: bool, max_arms: int = 4) -> None:
        self._pool = (
            ThreadPoolExecutor(max_workers=max_arms, thread_name_prefix="arm-read")
            if parallel
            else None
        )

    def read(self, arms: list[Arm]) -> list[ArmState]:
        """The state of each arm, in order; the first driver error is raised."""
        if self._pool is None or len(arms) < 2:
            return [arm.read_state() for arm in arms]
        futures = [self._pool.submit(arm.read_state) for arm in arms]
        return [future.result() for future in futures]

    def close(self) -> None:
        """Stop the threads."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
