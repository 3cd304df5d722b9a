"""The safety envelope in force: per joint, its range, speed limit and where they come from."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui import backend

COLUMNS = ("joint", "range", "ticks", "speed", "range from", "speed from")


class SafetyPanel(QWidget):
    """A row per follower joint; filled when a robot connects (the calibration may narrow it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = QLabel("Connect a robot to see the limits every command is held to.")
        self.note.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.note)
        layout.addWidget(self.table)

    def set_session(self, session: Any) -> None:
        """Show the envelope of `session`'s robot (or clear the table without one)."""
        if session is None:
            self.table.setRowCount(0)
            return
        summary, rows = backend.safety_envelope(session)
        self.note.setText(summary)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            ticks = "" if row["lo_ticks"] is None else f"{row['lo_ticks']}..{row['hi_ticks']}"
            cells = (
                row["joint"],
                f"{row['lo']:.3f} .. {row['hi']:.3f} {row['unit']}",
                ticks,
                f"{row['speed']:.2f} {row['speed_unit']}",
                row["range_source"],
                row["speed_source"],
            )
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
