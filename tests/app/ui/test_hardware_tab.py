"""The Hardware tab: device roles saved to a config the driver loads, servo health, calibration."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.ui.backend import RobotChoice, close_session, open_session
from app.ui.calibration_wizard import MIN_TRAVEL, CalibrationWizard
from app.ui.hardware import parse_devices
from app.ui.tabs.devices_panel import DevicesPanel
from app.ui.tabs.servo_health import ServoHealthPanel
from app.ui.workers import BackgroundTasks
from drivers.aloha_config import load_aloha_config
from drivers.dynamixel.calibration import load_calibration

DEVICES_JSON = json.dumps(
    {
        "ports": [
            {"device": "/dev/ttyUSB0", "serial_number": "A1", "by_id": "/dev/serial/by-id/a",
             "baud": 1000000, "servos": [{"id": 1, "model": "XM540-W270"}]},
            {"device": "/dev/ttyUSB1", "serial_number": "B2", "by_id": "/dev/serial/by-id/b",
             "baud": 1000000, "servos": [{"id": 1, "model": "XM540-W270"}]},
        ],
        "cameras": [
            {"kind": "opencv", "device": "/dev/v4l/by-id/wrist", "label": "USB cam",
             "node": "/dev/video0", "serial": ""},
            {"kind": "realsense", "device": "123", "label": "D405", "serial": "123"},
        ],
    }
)  # fmt: skip


@pytest.fixture
def devices(qtbot, settings):
    panel = DevicesPanel(settings)
    qtbot.addWidget(panel)
    yield panel
    panel.shutdown()


def test_parse_devices_gives_stable_paths_and_camera_specs():
    ports, cameras = parse_devices("Serial ports\n...\n" + DEVICES_JSON)
    assert [p.device for p in ports] == ["/dev/serial/by-id/a", "/dev/serial/by-id/b"]
    assert ports[0].servos == "1:XM540-W270"
    assert cameras[0].spec == {"type": "opencv", "device": "/dev/v4l/by-id/wrist"}
    assert cameras[1].spec == {"type": "realsense", "serial": "123"}


def test_roles_are_saved_to_a_config_the_driver_loads(devices, tmp_path):
    devices.show_devices(*parse_devices(DEVICES_JSON))
    for table, roles in (
        (devices.port_table, ("follower_left", "follower_right")),
        (devices.camera_table, ("cam_left_wrist", "cam_high")),
    ):
        for row, role in enumerate(roles):
            table.cellWidget(row, table.columnCount() - 1).setCurrentText(role)
    path = tmp_path / "robot.toml"
    devices.save(str(path))
    config = load_aloha_config(path)
    assert config.arms["follower_left"].port == "/dev/serial/by-id/a"
    assert config.cameras["cam_high"] == {"type": "realsense", "serial": "123"}
    assert devices.settings.robot_config_path() == str(path)


def test_a_role_given_twice_is_not_saved(devices, tmp_path):
    devices.show_devices(*parse_devices(DEVICES_JSON))
    for row in range(2):
        devices.port_table.cellWidget(row, 3).setCurrentText("follower_left")
    devices.save(str(tmp_path / "robot.toml"))
    assert "more than one device" in devices.status.text()
    assert not (tmp_path / "robot.toml").exists()


def test_scan_runs_devices_in_a_child_process(qtbot, devices):
    devices.scan()
    assert devices.scanning
    qtbot.waitUntil(lambda: not devices.scanning, timeout=60000)
    assert devices.status.text().startswith("Found "), devices.status.text()


@pytest.mark.slow
def test_servo_health_and_calibration_on_the_virtual_bus(qtbot, tmp_path):
    tasks = BackgroundTasks()
    session = open_session(RobotChoice(kind="virtual"))
    try:
        panel = ServoHealthPanel(tasks)
        qtbot.addWidget(panel)
        panel.show()
        panel.set_robot(session.robot)
        qtbot.waitUntil(lambda: len(panel.rows) == 28, timeout=30000)  # 7 per arm, 4 arms
        assert all(row.temperature_c is not None for row in panel.rows)
        wizard = CalibrationWizard(session.robot)
        qtbot.addWidget(wizard)
        wizard.chooser.setCurrentText("follower_left")
        wizard.sweep.add_reading(np.zeros(7))
        assert not wizard.sweep.isComplete()
        wizard.sweep.add_reading(np.full(7, MIN_TRAVEL + 0.1))
        assert wizard.sweep.isComplete()
        wizard.save_page.path.setText(str(tmp_path / "follower_left.json"))
        wizard.save_page.save()
        qtbot.waitUntil(lambda: bool(wizard.save_page.saved_to), timeout=30000)
        calibration = load_calibration(tmp_path / "follower_left.json")
        assert calibration.arm == "follower_left" and "waist" in calibration.servos
        wizard.close()
        wizard.tasks.shutdown()
    finally:
        close_session(session)
        tasks.shutdown()
