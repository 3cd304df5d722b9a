"""A log of what happened: the session's events (under-runs, safety) and the UI's own notices."""

from __future__ import annotations

from PySide6.QtWidgets import QPlainTextEdit, QWidget

from app.runtime.events import clock_stamp

MAX_LINES = 500


class EventLog(QPlainTextEdit):
    """Read-only, newest line last; session events are appended once even if resent."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(MAX_LINES)
        self.setPlaceholderText("Events: chunk under-runs, safety limits, errors…")
        self._seen: tuple[str, ...] = ()

    def show_events(self, events: tuple[str, ...]) -> None:
        """Append the lines of `events` (a sliding window of recent lines) not shown yet."""
        if events == self._seen:
            return
        for line in events[_overlap(self._seen, events) :]:
            self.appendPlainText(line)
        self._seen = events

    def add_notice(self, text: str) -> None:
        """Append a line from the UI itself, with the wall-clock time."""
        self.appendPlainText(f"{clock_stamp()}  {text}")

    def lines(self) -> list[str]:
        """Every line shown (for tests and copy)."""
        return self.toPlainText().splitlines()


def _overlap(old: tuple[str, ...], new: tuple[str, ...]) -> int:
    """Length of the longest tail of `old` that `new` starts with (lines already shown)."""
    for size in range(min(len(old), len(new)), 0, -1):
        if old[-size:] == new[:size]:
            return size
    return 0
