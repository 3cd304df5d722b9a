"""Toolbar: connection state, mode, and the large red E-STOP with its reset."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QToolBar, QWidget

from app.runtime.snapshot import SessionSnapshot
from app.ui.layouts import set_style

ESTOP_STYLE = (
    "QPushButton { background: #d32f2f; color: white; font-size: 20px; font-weight: bold;"
    " border: 3px solid #7f0000; border-radius: 8px; padding: 6px 28px; }"
    "QPushButton:pressed { background: #9a0007; }"
)
LATCHED_STYLE = ESTOP_STYLE.replace("#d32f2f", "#7f0000")
CONNECTION_COLOURS = {
    "connected": "#2e7d32",
    "connecting": "#c77c00",
    "failed": "#c62828",
    "closed": "#757575",
}


class RobotToolBar(QToolBar):
    """What the robot is and does, and the one button that always stops it."""

    estop_requested = Signal()
    reset_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Robot", parent)
        self.setObjectName("robot_toolbar")
        self.setMovable(False)
        self.connection = QLabel()
        self.connection.setTextFormat(Qt.TextFormat.RichText)
        self.mode = QLabel()
        self.mode.setStyleSheet("font-weight: bold; padding: 0 12px;")
        self.policy = QLabel()
        self.policy.setStyleSheet("color: #555; padding: 0 12px;")
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.reset = QPushButton("Reset E-STOP")
        self.reset.setToolTip("Clear the latched E-STOP; the robot stays idle")
        self.reset.clicked.connect(self.reset_requested)
        self.estop = QPushButton("E-STOP")
        self.estop.setObjectName("estop")
        self.estop.setToolTip("Stop the robot now (Esc; Space while the policy runs)")
        self.estop.setStyleSheet(ESTOP_STYLE)
        self.estop.setMinimumHeight(48)
        self.estop.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space must not "click" it twice
        self.estop.clicked.connect(self.estop_requested)
        for widget in (self.connection, self.mode, self.policy, spacer, self.reset, self.estop):
            self.addWidget(widget)
        self.show_state("closed", "", "", None)

    def show_state(
        self, connection: str, robot: str, policy: str, snapshot: SessionSnapshot | None
    ) -> None:
        """Update the labels from the controller's state and the latest snapshot."""
        colour = CONNECTION_COLOURS.get(connection, "#757575")
        text = f"{robot} — {connection}" if robot else connection
        self.connection.setText(f'<span style="color:{colour}">●</span> {text}')
        self.policy.setText(policy)
        if snapshot is None:
            self.mode.setText("mode –")
            self.reset.setEnabled(False)
            return
        latched = snapshot.estopped
        mode = "E-STOPPED" if latched else snapshot.mode.value.upper()
        if snapshot.error:  # a driver or policy error put the robot in its safe state
            mode += f" · {snapshot.error}"
        self.mode.setText(f"mode {mode}")
        self.mode.setToolTip(snapshot.error or "")
        colour = "#c62828" if latched or snapshot.error else "#222"
        set_style(self.mode, f"font-weight: bold; padding: 0 12px; color: {colour};")
        self.reset.setEnabled(latched)
        set_style(self.estop, LATCHED_STYLE if latched else ESTOP_STYLE)
