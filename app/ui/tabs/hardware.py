"""Hardware: which robot to drive, the devices found and their roles, calibration, servo health."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.ui import backend
from app.ui.backend import RobotChoice
from app.ui.calibration_wizard import CalibrationWizard
from app.ui.layouts import stacked, titled
from app.ui.session_controller import SessionController
from app.ui.settings import Settings
from app.ui.tabs.devices_panel import DevicesPanel
from app.ui.tabs.safety_panel import SafetyPanel
from app.ui.tabs.servo_health import ServoHealthPanel
from app.ui.workers import BackgroundTasks

KIND_LABELS = {
    "sim": "Simulator (MuJoCo)",
    "virtual": "Virtual Dynamixel bus (the real driver on a simulated ALOHA)",
    "aloha": "ALOHA arms (real hardware, from the robot config)",
}


class HardwareTab(QWidget):
    """Robot kind and reconnect; device roles saved to TOML; calibration; servo health."""

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
        self.kinds = QButtonGroup(self)
        self.kind_buttons: dict[str, QRadioButton] = {}
        for kind, label in KIND_LABELS.items():
            button = QRadioButton(label)
            self.kinds.addButton(button)
            self.kind_buttons[kind] = button
        self.task = QComboBox()
        self.task.addItems(backend.sim_tasks() or ("pick_color",))
        self.config_path = QLineEdit(settings.robot_config_path())
        self.config_path.setPlaceholderText("~/.config/pi0studio/robot.toml")
        self.connect_button = QPushButton("Connect")
        self.connect_button.clicked.connect(self.apply)
        self.connection = QLabel()
        self.connection.setWordWrap(True)
        self.devices = DevicesPanel(settings)
        self.health = ServoHealthPanel(tasks)
        self.safety = SafetyPanel()
        self.calibrate_button = QPushButton("Calibration assistant…")
        self.calibrate_button.clicked.connect(self.open_calibration)
        self._build()
        self._robot = None
        controller.state_changed.connect(self._show_connection)
        self._show_connection()

    def _build(self) -> None:
        kinds = QVBoxLayout()
        for button in self.kind_buttons.values():
            kinds.addWidget(button)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_config)
        config_row = QHBoxLayout()
        config_row.addWidget(self.config_path, 1)
        config_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Simulator task", self.task)
        form.addRow("Robot config", config_row)
        connect_row = QHBoxLayout()
        connect_row.addWidget(self.connect_button)
        connect_row.addWidget(self.connection, 1)
        left = stacked(
            titled("Robot", kinds, form, connect_row),
            titled("Calibration", _note(CALIBRATION_NOTE), self.calibrate_button),
            titled("Servo health", self.health),
            titled("Safety envelope", self.safety),
            margins=4,
            stretch=True,
        )
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(titled("Devices and roles", self.devices))
        split.setSizes([650, 850])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)

    def choice(self) -> RobotChoice:
        """The robot selected in the tab."""
        kind = next(k for k, button in self.kind_buttons.items() if button.isChecked())
        config = self.config_path.text().strip() or None
        return RobotChoice(kind=kind, task=self.task.currentText(), config=config)

    def apply(self) -> None:
        """Close the current robot and open the selected one."""
        choice = self.choice()
        if choice.config:
            self.settings.set_robot_config_path(choice.config)
        self.controller.open(choice)

    def open_calibration(self) -> CalibrationWizard:
        """Show the calibration assistant for the connected robot's arms."""
        session = self.controller.session
        wizard = CalibrationWizard(session.robot if session is not None else None, self)
        wizard.setModal(True)
        wizard.show()
        return wizard

    def _browse_config(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Robot config", self.config_path.text(), "TOML (*.toml)"
        )
        if path:
            self.config_path.setText(path)

    def _show_connection(self) -> None:
        choice = self.controller.choice
        if choice is not None and not any(b.isChecked() for b in self.kind_buttons.values()):
            self.kind_buttons[choice.kind].setChecked(True)
            self.task.setCurrentText(choice.task)
        state = self.controller.connection
        error = f": {self.controller.connection_error}" if self.controller.connection_error else ""
        self.connection.setText(f"{choice.describe() if choice else ''} — {state}{error}")
        session = self.controller.session
        robot = session.robot if session is not None else None
        if robot is not self._robot:
            self._robot = robot
            self.health.set_robot(robot)
            self.safety.set_session(session)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        """Read the servos as soon as the tab is shown."""
        super().showEvent(event)
        self.health.refresh()

    def shutdown(self) -> None:
        """Stop a device scan still running."""
        self.devices.shutdown()


CALIBRATION_NOTE = (
    "Walks through one arm: the sleep and home poses, then each joint over its full range; "
    "checks the travel it measured and saves the servos' calibration file."
)


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label
