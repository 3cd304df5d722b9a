"""Calibration assistant: walks through one arm's poses, checks the measured ranges, saves."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.ui import hardware
from app.ui.workers import BackgroundTasks
from drivers.arm import ARM_JOINTS

POLL_MS = 100
MIN_TRAVEL = 0.6  # rad (gripper: normalised): a joint counts as exercised past this travel
POSES = (
    (
        "Sleep pose",
        "Fold the arm into its rest position: shoulder leaning back, elbow folded so the "
        "forearm lies on the upper arm, wrist resting in the cradle, gripper closed. "
        "This is the pose the arm is in when torque is off.",
    ),
    (
        "Home pose",
        "Hold the arm at its zero: upper arm pointing straight up, forearm level and pointing "
        "forward, wrist level and untwisted, waist facing straight ahead, gripper half open.",
    ),
)


class CalibrationWizard(QWizard):
    """Choose an arm, go through the poses, sweep every joint, check, save."""

    def __init__(self, robot: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Calibration assistant")
        self.arms = hardware.dynamixel_arms(robot) if robot is not None else {}
        self.tasks = BackgroundTasks(self, workers=1)
        self.chooser = QComboBox()
        self.chooser.addItems(list(self.arms))
        self.addPage(self._choose_page())
        for title, text in POSES:
            self.addPage(_text_page(title, text))
        self.sweep = SweepPage(self)
        self.addPage(self.sweep)
        self.save_page = SavePage(self)
        self.addPage(self.save_page)
        self.finished.connect(lambda _: self.tasks.shutdown())

    @property
    def arm(self) -> Any:
        """The arm chosen on the first page."""
        return self.arms.get(self.chooser.currentText())

    def _choose_page(self) -> QWizardPage:
        page = QWizardPage()
        page.setTitle("Which arm?")
        layout = QVBoxLayout(page)
        if self.arms:
            text = (
                "Torque stays off while you move the arm by hand. Stop the policy and "
                "teleoperation first. Pick the arm to calibrate:"
            )
        else:
            text = (
                "This robot has no Dynamixel arms (the simulator needs no calibration). "
                "Connect to the virtual bus or to ALOHA arms in the Robot box first."
            )
        label = QLabel(text)
        label.setWordWrap(True)
        layout.addWidget(label)
        layout.addWidget(self.chooser)
        self.chooser.setEnabled(bool(self.arms))
        page.isComplete = lambda: bool(self.arms)  # type: ignore[method-assign]
        return page


class SweepPage(QWizardPage):
    """Reads the arm while the user moves each joint through its whole range."""

    def __init__(self, wizard: CalibrationWizard) -> None:
        super().__init__()
        self.wizard_ = wizard
        self.setTitle("Move every joint through its full range")
        intro = QLabel(
            "Slowly move each joint from one end of its travel to the other, one at a time, "
            "then open and close the gripper fully. A row turns OK once its joint has moved "
            f"more than {MIN_TRAVEL} rad (gripper: {MIN_TRAVEL:.0%} of its opening)."
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(len(ARM_JOINTS), 4)
        self.table.setHorizontalHeaderLabels(("joint", "min", "max", "check"))
        self.table.verticalHeader().setVisible(False)
        self.low = np.full(len(ARM_JOINTS), np.inf)
        self.high = np.full(len(ARM_JOINTS), -np.inf)
        self._busy = False
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._read)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table)

    def initializePage(self) -> None:  # noqa: N802 (Qt override)
        """Start reading the chosen arm."""
        self.low[:] = np.inf
        self.high[:] = -np.inf
        self._timer.start()

    def cleanupPage(self) -> None:  # noqa: N802 (Qt override)
        """Stop reading when the user goes back."""
        self._timer.stop()

    def validatePage(self) -> bool:  # noqa: N802 (Qt override)
        """Stop reading when the user goes on."""
        self._timer.stop()
        return True

    def isComplete(self) -> bool:  # noqa: N802 (Qt override)
        """Every joint exercised."""
        return bool(np.all(self.travel() > MIN_TRAVEL))

    def travel(self) -> np.ndarray:
        """Measured travel per joint (0 before any reading)."""
        return np.where(np.isfinite(self.high), self.high - self.low, 0.0)

    def add_reading(self, qpos: np.ndarray) -> None:
        """Take one reading of the arm's 7 joints into the measured ranges."""
        was_complete = self.isComplete()
        self.low = np.minimum(self.low, qpos)
        self.high = np.maximum(self.high, qpos)
        travel = self.travel()
        for row, joint in enumerate(ARM_JOINTS):
            values = (joint, f"{self.low[row]:+.2f}", f"{self.high[row]:+.2f}")
            check = "OK" if travel[row] > MIN_TRAVEL else f"moved {travel[row]:.2f}"
            for column, value in enumerate((*values, check)):
                self.table.setItem(row, column, QTableWidgetItem(value))
        if self.isComplete() != was_complete:
            self.completeChanged.emit()

    def _read(self) -> None:
        arm = self.wizard_.arm
        if arm is None or self._busy:
            return
        self._busy = True
        self.wizard_.tasks.submit(
            lambda: arm.read_state().qpos, on_done=self._got, on_error=self._failed
        )

    def _got(self, qpos: np.ndarray) -> None:
        self._busy = False
        self.add_reading(np.asarray(qpos, dtype=np.float64))

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        self.setSubTitle(f"Cannot read the arm: {error}")


class SavePage(QWizardPage):
    """Shows where the calibration goes and saves the servos' calibration registers there."""

    def __init__(self, wizard: CalibrationWizard) -> None:
        super().__init__()
        self.wizard_ = wizard
        self.setTitle("Save the calibration")
        self.path = QLineEdit()
        self.save_button = QPushButton("Save calibration")
        self.save_button.clicked.connect(self.save)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.saved_to = ""
        layout = QVBoxLayout(self)
        note = QLabel(
            "The ranges look right. Saving stores the servos' homing offsets, drive modes and "
            "position limits; each connect then checks the arm against this file."
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addWidget(self.path)
        layout.addWidget(self.save_button)
        layout.addWidget(self.result)

    def initializePage(self) -> None:  # noqa: N802 (Qt override)
        """Propose the arm's calibration file."""
        arm = self.wizard_.arm
        if arm is not None:
            self.path.setText(str(hardware.calibration_path(arm)))

    def save(self) -> None:
        """Read the registers and write the file (in the background)."""
        arm, path = self.wizard_.arm, self.path.text().strip()
        self.save_button.setEnabled(False)
        self.result.setText("Saving…")
        self.wizard_.tasks.submit(
            hardware.save_arm_calibration, arm, path, on_done=self._saved, on_error=self._failed
        )

    def _saved(self, path: object) -> None:
        self.saved_to = str(path)
        self.result.setText(f"Saved to {path}.")
        self.save_button.setEnabled(True)

    def _failed(self, error: BaseException) -> None:
        self.result.setText(f"Could not save: {error}")
        self.save_button.setEnabled(True)


def _text_page(title: str, text: str) -> QWizardPage:
    page = QWizardPage()
    page.setTitle(title)
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("font-size: 14px;")
    layout = QVBoxLayout(page)
    layout.addWidget(label)
    return page
