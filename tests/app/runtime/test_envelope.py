"""The safety envelope: arm model ranges and servo speeds, narrowed by calibration and config."""

import json
from pathlib import Path

import numpy as np
import pytest

from app.cli.main import main
from app.runtime.envelope import envelope_for
from app.runtime.robots import safety_for
from drivers.aloha_config import parse_aloha_config
from drivers.dynamixel.aloha_robot import make_aloha_robot
from drivers.dynamixel.aloha_spec import VIPERX_300_6DOF
from drivers.dynamixel.calibration import ArmCalibration, ServoCalibration, save_calibration
from drivers.dynamixel.units import radians_to_ticks
from tests.app.runtime.fakes import fake_robot


def aloha_robot(tmp_path: Path, safety: dict | None = None):
    data = {
        "robot": {"calibration_dir": str(tmp_path)},
        "ports": {"follower_left": "/dev/null-left", "follower_right": "/dev/null-right"},
        "safety": safety or {},
    }
    return make_aloha_robot(parse_aloha_config(data, source="robot.toml"))


def test_every_robot_gets_the_viperx_ranges_and_servo_speeds() -> None:
    envelope = envelope_for(fake_robot())
    shoulder = envelope.names.index("right_shoulder")
    assert (envelope.lo[shoulder], envelope.hi[shoulder]) == pytest.approx((-1.85005, 1.25664))
    assert envelope.speed[shoulder] == pytest.approx(30 * 2 * np.pi / 60)  # XM540-W270
    wrist_rotate = envelope.names.index("left_wrist_rotate")
    assert envelope.speed[wrist_rotate] == pytest.approx(46 * 2 * np.pi / 60)  # XM430-W350
    gripper = envelope.names.index("left_gripper")
    assert (envelope.lo[gripper], envelope.hi[gripper]) == (0.0, 1.0)
    config = safety_for(fake_robot())
    assert config.joint_hi[shoulder] == pytest.approx(1.25664)


def test_a_calibration_file_narrows_the_model_range(tmp_path: Path) -> None:
    servos = {
        servo.joint: ServoCalibration(servo.id, min_position=0, max_position=4095)
        for servo in VIPERX_300_6DOF.servos
    }
    servos["elbow"] = ServoCalibration(4, min_position=int(radians_to_ticks(-0.5)),
                                       max_position=int(radians_to_ticks(0.8)))  # fmt: skip
    save_calibration(
        ArmCalibration("follower_left", "vx300s", servos), tmp_path / "follower_left.json"
    )
    envelope = envelope_for(aloha_robot(tmp_path))
    row = envelope.rows()[envelope.names.index("left_elbow")]
    assert row["lo"] == pytest.approx(-0.5, abs=2e-3) and row["hi"] == pytest.approx(0.8, abs=2e-3)
    assert row["range_source"] == "calibration file follower_left.json"
    right = envelope.rows()[envelope.names.index("right_elbow")]
    assert right["range_source"] == "vx300s URDF"  # no file for that arm: the model's range


def test_the_config_may_narrow_ranges_and_lower_speeds(tmp_path: Path) -> None:
    robot = aloha_robot(
        tmp_path, {"follower_right": {"range": {"waist": [-1.0, 1.0]}, "speed": {"elbow": 1.0}}}
    )
    envelope = envelope_for(robot)
    waist, elbow = envelope.names.index("right_waist"), envelope.names.index("right_elbow")
    assert (envelope.lo[waist], envelope.hi[waist]) == (-1.0, 1.0)
    assert envelope.speed[elbow] == 1.0
    assert envelope.limits[waist].range_source == "[safety] config"
    assert safety_for(robot).max_speed[elbow] == 1.0


def test_safety_command_prints_the_envelope_with_its_sources(tmp_path: Path, capsys) -> None:
    path = tmp_path / "robot.toml"
    path.write_text(
        f'[robot]\ncalibration_dir = "{tmp_path}"\n'
        '[ports]\nfollower_left = "/dev/a"\nfollower_right = "/dev/b"\n'
        "[safety]\nwatchdog_s = 0.2\n[safety.follower_left.speed]\nshoulder = 2.0\n"
    )
    assert main(["safety", "--config", str(path), "--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    report = json.loads(out[-1])
    joints = {row["joint"]: row for row in report["joints"]}
    assert len(joints) == 14 and report["watchdog_s"] == 0.2
    assert joints["left_shoulder"]["speed"] == 2.0
    assert joints["left_shoulder"]["speed_source"] == "[safety] config"
    assert joints["left_shoulder"]["lo_ticks"] == int(radians_to_ticks(-1.85005))
    assert len(report["uncalibrated"]) == 2  # policy mode would be refused
    assert any("left_shoulder" in line and "vx300s URDF" in line for line in out)


def test_safety_command_refuses_a_bad_table_in_one_line(tmp_path: Path, capsys) -> None:
    path = tmp_path / "robot.toml"
    path.write_text(
        '[ports]\nfollower_left = "/a"\nfollower_right = "/b"\n[safety]\nwatchdog_s = -1\n'
    )
    assert main(["safety", "--config", str(path)]) == 2
    assert "watchdog_s must be positive" in capsys.readouterr().err
