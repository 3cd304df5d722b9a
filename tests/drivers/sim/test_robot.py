"""The simulated robot behind the same Arm, Camera and Robot interfaces as the hardware."""

from __future__ import annotations

import time

import numpy as np
import pytest

from drivers.errors import NotConnectedError
from drivers.sim.robot import make_sim_robot


@pytest.fixture
def robot():
    robot = make_sim_robot("transfer_cube", seed=0, cameras=("cam_high",), image_size=(24, 32))
    yield robot
    robot.disconnect()
    robot.physics.close()


def test_arms_read_and_follow_commands(robot) -> None:
    robot.connect()
    left, right = robot.read_followers()
    assert left.qpos.shape == (7,) and right.effort.shape == (7,)
    target = np.concatenate([left.qpos, right.qpos])
    target[0] += 0.3  # left waist
    for _ in range(50):
        robot.send_followers(target)
        robot.physics.step()
    left, right = robot.read_followers()
    assert left.qpos[0] == pytest.approx(target[0], abs=0.02)
    assert right.qpos[0] == pytest.approx(target[7], abs=0.02)


def test_torque_off_lets_the_arm_fall(robot) -> None:
    robot.connect()
    before = robot.followers["right"].read_state().qpos
    robot.followers["right"].set_torque(False)
    for _ in range(25):
        robot.physics.step()
    after = robot.followers["right"].read_state().qpos
    assert np.abs(after[:6] - before[:6]).max() > 0.05
    left = robot.followers["left"].read_state().qpos
    assert np.abs(left[:6] - before[:6]).max() < 0.02  # the other arm still holds


def test_camera_delivers_frames_from_its_thread(robot) -> None:
    robot.connect()
    camera = robot.cameras["cam_high"]
    deadline = time.monotonic() + 30
    while camera.read_latest() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    frame = camera.read_latest()
    assert frame is not None and frame.image.shape == (24, 32, 3)


def test_arm_refuses_use_before_connect(robot) -> None:
    assert robot.kind == "sim" and set(robot.followers) == {"left", "right"}
    with pytest.raises(NotConnectedError):
        robot.followers["left"].read_state()


def test_unknown_camera_is_refused() -> None:
    with pytest.raises(ValueError, match="cam_ceiling"):
        make_sim_robot(cameras=("cam_ceiling",))
