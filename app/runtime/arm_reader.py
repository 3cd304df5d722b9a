"""Read several arms in one go: on separate ports a tick waits for the slowest, not the sum."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from drivers.arm import Arm, ArmState


class ArmReader:
    """Reads arms in parallel threads (real or virtual buses) or in the caller (simulator)."""

    def __init__(self, parallel: bool, max_arms: int = 4) -> None:
        self.parallel = parallel
        self.max_arms = max_arms
        self._pool: ThreadPoolExecutor | None = None

    def read(self, arms: list[Arm]) -> list[ArmState]:
        """The state of each arm, in order; the first driver error is raised."""
        if not self.parallel or len(arms) < 2:
            return [arm.read_state() for arm in arms]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.max_arms, thread_name_prefix="arm-read")
        futures = [self._pool.submit(arm.read_state) for arm in arms]
        return [future.result() for future in futures]

    def close(self) -> None:
        """Stop the threads (a later `read` starts them again)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
