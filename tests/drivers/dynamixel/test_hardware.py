"""Real ALOHA arms (marker `hardware`, left out of the default run).

Needs the robot config at $PI0_ALOHA_CONFIG or ~/.config/pi0studio/robot.toml, arms powered,
and room for the followers to hold still (nothing is moved: goals are the present positions).
Run with: pytest -m hardware tests/drivers/dynamixel/test_hardware.py
"""

import os
from pathlib import Path

import numpy as np
import pytest

from drivers.aloha_config import load_aloha_config
from drivers.dynamixel.aloha_arm import AlohaArm
from drivers.dynamixel.scan import scan_port

pytestmark = pytest.mark.hardware

CONFIG = Path(os.environ.get("PI0_ALOHA_CONFIG", "~/.config/pi0studio/robot.toml")).expanduser()


@pytest.fixture(scope="module")
def config():
    return load_aloha_config(CONFIG)


def test_every_configured_port_has_nine_servos(config) -> None:
    for arm in config.arms.values():
        report = scan_port(arm.port, (arm.baud,))
        assert [s.id for s in report.servos] == list(range(1, 10)), arm.name
        assert all(not s.errors for s in report.servos), report


def test_followers_read_plausible_state_and_hold(config) -> None:
    for arm_config in config.followers.values():
        with AlohaArm(arm_config) as arm:
            state = arm.read_state()
            assert np.all(np.abs(state.qpos[:6]) < np.pi + 0.1)
            assert -0.2 < state.qpos[6] < 1.2  # the gripper, normalised
            arm.send_action(state.qpos)  # hold where it is
            assert np.allclose(arm.read_state().qpos[:6], state.qpos[:6], atol=0.05)


def test_leaders_are_limp_except_the_gripper(config) -> None:
    for arm_config in config.leaders.values():
        with AlohaArm(arm_config) as arm:
            torque = [arm.bus.read("Torque_Enable", i) for i in arm.spec.primary_ids]
            assert torque == [0] * 6 + [1]
