"""make_aloha_robot: a robot TOML config whose ports are the virtual bus's ptys."""

import numpy as np

from drivers.aloha_config import parse_aloha_config
from drivers.dynamixel.aloha_robot import make_aloha_robot
from tests.drivers.dynamixel.conftest import wait_until


def test_robot_from_config_reads_and_commands_its_followers(virtual_aloha, tmp_path) -> None:
    config = parse_aloha_config(
        {
            "robot": {"calibration_dir": str(tmp_path)},  # no files there: registers as they are
            "ports": dict(virtual_aloha.ports),
            "arms": {role: {"min_reply_timeout_ms": 100.0} for role in virtual_aloha.ports},
        }
    )
    robot = make_aloha_robot(config)
    assert robot.kind == "aloha" and robot.physics is None
    assert sorted(robot.leaders) == ["left", "right"]
    with robot:
        action = np.tile([0.1, -0.2, 0.3, 0.0, 0.1, 0.0, 0.5], 2).astype(np.float32)
        robot.send_followers(action)
        left, right = robot.read_followers()
    assert np.allclose(np.concatenate([left.qpos, right.qpos]), action, atol=0.01)
    assert wait_until(lambda: not virtual_aloha.torque("follower_left").any())  # safe state
