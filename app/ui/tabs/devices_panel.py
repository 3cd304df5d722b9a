"""Devices found by `main.py devices`, each assigned a role, saved to the robot's TOML config."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QProcess
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui import hardware
from app.ui.hardware import CameraRow, PortRow
from app.ui.settings import Settings

UNASSIGNED = "—"
DEFAULT_CONFIG = Path("~/.config/pi0studio/robot.toml")


class DevicesPanel(QWidget):
    """Scan, assign roles, save; the scan runs as a child process so the GUI never waits."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.ports: list[PortRow] = []
        self.cameras: list[CameraRow] = []
        self._process: QProcess | None = None
        self.scan_button = QPushButton("Scan for devices")
        self.scan_button.clicked.connect(self.scan)
        self.save_button = QPushButton("Save robot config…")
        self.save_button.clicked.connect(self._ask_save)
        self.status = QLabel("Scan to list serial ports (with their servos) and cameras.")
        self.status.setWordWrap(True)
        self.port_table = _table(("port", "adapter serial", "servos (id:model)", "role"))
        self.camera_table = _table(("camera", "device", "role"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.scan_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(QLabel("Serial ports"))
        layout.addWidget(self.port_table)
        layout.addWidget(QLabel("Cameras"))
        layout.addWidget(self.camera_table)

    @property
    def scanning(self) -> bool:
        """True while `main.py devices` runs."""
        return self._process is not None

    def scan(self) -> None:
        """Run `main.py devices --json` in a child process."""
        if self._process is not None:
            return
        arguments, label = hardware.devices_command()
        process = QProcess(self)
        process.finished.connect(lambda code, _status: self._scanned(process, code))
        self._process = process
        self.scan_button.setEnabled(False)
        self.status.setText(f"Running {label} (scanning a port takes a few seconds)…")
        process.start(sys.executable, arguments)

    def _scanned(self, process: QProcess, code: int) -> None:
        self._process = None
        self.scan_button.setEnabled(True)
        output = bytes(process.readAllStandardOutput()).decode("utf-8", errors="replace")
        errors = bytes(process.readAllStandardError()).decode("utf-8", errors="replace")
        process.deleteLater()
        try:
            if code != 0:
                raise RuntimeError((errors.strip().splitlines() or [f"exit code {code}"])[-1])
            self.show_devices(*hardware.parse_devices(output))
        except Exception as exc:  # the scan failed: say why, keep the old lists
            self.status.setText(f"Scan failed: {exc}")

    def show_devices(self, ports: list[PortRow], cameras: list[CameraRow]) -> None:
        """Fill both tables; each row gets a role chooser."""
        self.ports, self.cameras = ports, cameras
        _fill(self.port_table, [(p.device, p.serial, p.servos) for p in ports], hardware.ARM_ROLES)
        _fill(self.camera_table, [(c.label, c.device) for c in cameras], hardware.CAMERA_ROLES)
        self.status.setText(
            f"Found {len(ports)} serial ports and {len(cameras)} cameras. "
            "Give each one its role, then save."
        )

    def assignments(self) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
        """Role -> port, role -> camera spec, from the role choosers; a role given twice raises."""
        for table in (self.port_table, self.camera_table):
            chosen = [role for _, role in _roles(table) if role != UNASSIGNED]
            twice = sorted({role for role in chosen if chosen.count(role) > 1})
            if twice:
                raise ValueError(f"role {', '.join(twice)} is given to more than one device")
        ports = {
            role: self.ports[row].device
            for row, role in _roles(self.port_table)
            if role != UNASSIGNED
        }
        cameras = {
            role: self.cameras[row].spec
            for row, role in _roles(self.camera_table)
            if role != UNASSIGNED
        }
        return ports, cameras

    def _ask_save(self) -> None:
        start = self.settings.robot_config_path() or str(DEFAULT_CONFIG.expanduser())
        path, _ = QFileDialog.getSaveFileName(self, "Save robot config", start, "TOML (*.toml)")
        if path:
            self.save(path)

    def save(self, path: str) -> None:
        """Write the config with the chosen roles (checked by the driver's loader first)."""
        try:
            ports, cameras = self.assignments()
            base = self.settings.robot_config_path() or None
            text = hardware.robot_config_text(ports, cameras, base)
            target = Path(path).expanduser()
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)  # a few hundred bytes: no need for a worker
        except Exception as exc:  # missing followers, duplicate roles, unwritable: say so
            self.status.setText(f"Not saved: {exc}")
            return
        self.settings.set_robot_config_path(target)
        self.status.setText(f"Saved {target}. Choose “ALOHA arms” and Connect to use it.")

    def shutdown(self) -> None:
        """Stop a scan still running."""
        if self._process is not None:
            self._process.kill()
            self._process.waitForFinished(3000)


def _table(headers: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[tuple[str, ...]], roles: tuple[str, ...]) -> None:
    table.setRowCount(len(rows))
    for row, values in enumerate(rows):
        for column, value in enumerate(values):
            table.setItem(row, column, QTableWidgetItem(value))
        chooser = QComboBox()
        chooser.addItems([UNASSIGNED, *roles])
        table.setCellWidget(row, len(values), chooser)


def _roles(table: QTableWidget) -> list[tuple[int, str]]:
    last = table.columnCount() - 1
    return [(row, table.cellWidget(row, last).currentText()) for row in range(table.rowCount())]
