"""Blocking work (disk, model loading, device scans) off the GUI thread; results on a timer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)

POLL_MS = 30  # how often finished work is collected on the GUI thread


@dataclass
class _Pending:
    future: Future
    on_done: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None


class BackgroundTasks(QObject):
    """A small thread pool. Callbacks run on the GUI thread when the work is finished.

    The GUI thread never waits on a future; a QTimer collects finished ones. No signal crosses
    threads, so a widget deleted meanwhile only misses its callback after `shutdown()`.
    """

    def __init__(self, parent: QObject | None = None, workers: int = 2) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="pi0studio-ui")
        self._pending: list[_Pending] = []
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._collect)
        self._closed = False

    def submit(
        self,
        work: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> Future:
        """Run `work(*args)` in a worker thread; then `on_done(result)` or `on_error(exc)`."""
        if self._closed:
            raise RuntimeError("background tasks are shut down")
        future = self._pool.submit(work, *args)
        self._pending.append(_Pending(future, on_done, on_error))
        self._timer.start()
        return future

    @property
    def busy(self) -> bool:
        """True while some submitted work has not been collected yet."""
        return bool(self._pending)

    def _collect(self) -> None:
        finished = [p for p in self._pending if p.future.done()]
        self._pending = [p for p in self._pending if not p.future.done()]
        if not self._pending:
            self._timer.stop()
        for pending in finished:
            self._deliver(pending)

    def _deliver(self, pending: _Pending) -> None:
        if pending.future.cancelled():
            return
        error = pending.future.exception()
        if error is not None:
            if pending.on_error is not None:
                pending.on_error(error)
            else:
                log.error("background work failed: %s", error, exc_info=error)
        elif pending.on_done is not None:
            pending.on_done(pending.future.result())

    def shutdown(self) -> None:
        """Wait for running work, drop pending callbacks, and join the worker threads."""
        self._closed = True
        self._timer.stop()
        for pending in self._pending:
            pending.future.cancel()
        self._pending.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)
