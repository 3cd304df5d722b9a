"""Hardware: which robot to drive, the devices found, their roles, calibration, servo health."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.ui import backend
from app.ui.backend import RobotChoice
from app.ui.layouts import titled
from app.ui.session_controller import SessionController
from app.ui.settings import Settings
from app.ui.workers import BackgroundTasks

KIND_LABELS = {
    "sim": "Simulator (MuJoCo)",
    "virtual": "Virtual Dynamixel bus (simulator behind the real driver)",
    "aloha": "ALOHA arms (real hardware)",
}


class HardwareTab(QWidget):
    """Choose the robot and reconnect; find serial ports and cameras."""

    title = "Hardware"

    def __init__(
        self,
        controller: SessionController,
        settings: Settings,
        tasks: BackgroundTasks,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.settings = settings
        self.tasks = tasks
        self.kinds = QButtonGroup(self)
        self.kind_buttons: dict[str, QRadioButton] = {}
        for kind, label in KIND_LABELS.items():
            button = QRadioButton(label)
            self.kinds.addButton(button)
            self.kind_buttons[kind] = button
        self.task = QComboBox()
        self.task.addItems(backend.sim_tasks() or ("pick_color",))
        self.config_path = QLabel(settings.robot_config_path() or "(none)")
        self.apply_button = QPushButton("Connect")
        self.apply_button.clicked.connect(self.apply)
        self.connection = QLabel()
        self.connection.setWordWrap(True)
        kinds = QVBoxLayout()
        for button in self.kind_buttons.values():
            kinds.addWidget(button)
        form = QFormLayout()
        form.addRow("Simulator task", self.task)
        form.addRow("Robot config", self.config_path)
        apply_row = QHBoxLayout()
        apply_row.addWidget(self.apply_button)
        apply_row.addWidget(self.connection, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(titled("Robot", kinds, form, apply_row))
        layout.addStretch(1)
        controller.state_changed.connect(self._show_choice)
        self._show_choice()

    def choice(self) -> RobotChoice:
        """The robot selected in the tab."""
        kind = next(k for k, button in self.kind_buttons.items() if button.isChecked())
        config = self.settings.robot_config_path() or None
        return RobotChoice(kind=kind, task=self.task.currentText(), config=config)

    def apply(self) -> None:
        """Close the current robot and open the selected one."""
        self.controller.open(self.choice())

    def _show_choice(self) -> None:
        choice = self.controller.choice
        if choice is not None and not any(b.isChecked() for b in self.kind_buttons.values()):
            self.kind_buttons[choice.kind].setChecked(True)
            self.task.setCurrentText(choice.task)
        state = self.controller.connection
        error = f": {self.controller.connection_error}" if self.controller.connection_error else ""
        self.connection.setText(f"{choice.describe() if choice else ''} — {state}{error}")
