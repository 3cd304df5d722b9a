"""Servo temperatures and hardware errors, read in the background every few seconds."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui import hardware
from app.ui.hardware import ServoHealth
from app.ui.workers import BackgroundTasks

POLL_MS = 2000
HOT_C = 60  # Dynamixel X servos shut down at 70-80 °C; warn before
WARN_BACKGROUND = QColor("#fff3e0")
ERROR_BACKGROUND = QColor("#ffebee")


class ServoHealthPanel(QWidget):
    """A row per servo: arm, joint, ID, temperature, errors; polled only while visible."""

    def __init__(self, tasks: BackgroundTasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.robot: Any = None
        self.rows: list[ServoHealth] = []
        self._busy = False
        self.note = QLabel("Connect a robot to see its servos.")
        self.note.setWordWrap(True)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(("arm", "joint", "id", "°C", "errors"))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.refresh)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.note)
        layout.addWidget(self.table)
        self.table.hide()

    def set_robot(self, robot: Any) -> None:
        """Follow this robot's servos (None: no robot)."""
        self.robot = robot
        arms = hardware.dynamixel_arms(robot) if robot is not None else {}
        if robot is None:
            self.note.setText("Connect a robot to see its servos.")
        elif not arms:
            self.note.setText("The simulator has no servos to watch.")
        else:
            self.note.setText(f"Every {POLL_MS // 1000} s: {', '.join(arms)}.")
        self.table.setRowCount(0)
        self.table.setVisible(bool(arms))
        if arms:
            self._timer.start()
            self.refresh()
        else:
            self._timer.stop()

    def refresh(self) -> None:
        """Read the servos in the background (skipped while hidden or already reading)."""
        if self._busy or self.robot is None or not self.isVisible():
            return
        self._busy = True
        robot = self.robot
        self.tasks.submit(
            hardware.read_servo_health,
            robot,
            on_done=lambda rows: self._show(robot, rows),
            on_error=self._failed,
        )

    def _show(self, robot: Any, rows: list[ServoHealth]) -> None:
        self._busy = False
        if robot is not self.robot:
            return
        self.rows = rows
        self.table.setRowCount(len(rows))
        for index, servo in enumerate(rows):
            temperature = "–" if servo.temperature_c is None else str(servo.temperature_c)
            values = (servo.arm, servo.joint, str(servo.id), temperature, ", ".join(servo.errors))
            background = None
            if servo.errors:
                background = ERROR_BACKGROUND
            elif servo.temperature_c is not None and servo.temperature_c >= HOT_C:
                background = WARN_BACKGROUND
            for column, value in enumerate(values):
                item = QTableWidgetItem(value or "ok")
                item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
                if background is not None:
                    item.setBackground(background)
                self.table.setItem(index, column, item)

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        self.note.setText(f"Cannot read the servos: {error}")
