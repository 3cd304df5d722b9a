"""Calibration JSON: round trip through a file and the servos, mismatches reported."""

import pytest

from drivers.dynamixel.aloha_arm import AlohaArm
from drivers.dynamixel.aloha_spec import VIPERX_300_6DOF
from drivers.dynamixel.bus import DynamixelBus
from drivers.dynamixel.calibration import (
    ArmCalibration,
    ServoCalibration,
    compare_calibration,
    load_calibration,
    read_calibration,
    save_calibration,
    write_calibration,
)
from drivers.dynamixel.errors import CalibrationMismatchError
from tests.drivers.dynamixel.conftest import REPLY_TIMEOUT_MS, arm_config


def _calibration(offset: int = 0) -> ArmCalibration:
    servos = {
        s.joint: ServoCalibration(s.id, offset + s.id, s.drive_mode, 100 + s.id, 4000 - s.id)
        for s in VIPERX_300_6DOF.servos
    }
    return ArmCalibration("follower_left", "vx300s", servos)


def test_file_round_trip(tmp_path) -> None:
    path = save_calibration(_calibration(), tmp_path / "cal" / "follower_left.json")
    assert load_calibration(path) == _calibration()


def test_servo_round_trip_keeps_shadow_settings(virtual_aloha) -> None:
    with DynamixelBus(virtual_aloha.ports["follower_left"], min_timeout_ms=REPLY_TIMEOUT_MS) as bus:
        write_calibration(bus, _calibration(offset=-50))
        assert read_calibration(bus, VIPERX_300_6DOF, "follower_left") == _calibration(-50)
    assert virtual_aloha.servo("follower_left", 3).get("Drive_Mode") == 1


def test_compare_names_joint_register_and_both_values() -> None:
    changed = dict(_calibration().servos)
    changed["elbow"] = ServoCalibration(4, 99, 0, 104, 3996)
    differences = compare_calibration(_calibration(), ArmCalibration("a", "vx300s", changed))
    assert differences == ["elbow (ID 4) Homing_Offset: file 4, servo 99"]


def test_bad_file_is_named(tmp_path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"format": "something else"}')
    with pytest.raises(ValueError, match="broken.json: bad calibration file"):
        load_calibration(path)


def test_connect_reports_a_mismatch(virtual_aloha, tmp_path) -> None:
    path = save_calibration(_calibration(), tmp_path / "follower_left.json")
    config = arm_config(
        "follower_left", virtual_aloha.ports["follower_left"], calibration=str(path)
    )
    with pytest.raises(CalibrationMismatchError) as caught:
        AlohaArm(config).connect()
    assert "waist (ID 1) Homing_Offset: file 1, servo 0" in caught.value.differences
    assert len(caught.value.differences) == 9 * 3  # offset and both limits on every servo


def test_connect_with_apply_writes_the_file(virtual_aloha, tmp_path) -> None:
    path = save_calibration(_calibration(), tmp_path / "follower_left.json")
    port = virtual_aloha.ports["follower_left"]
    config = arm_config("follower_left", port, calibration=str(path), calibration_policy="apply")
    with AlohaArm(config) as arm:
        assert arm.calibration == _calibration()
    assert virtual_aloha.servo("follower_left", 7).get("Homing_Offset") == 7
