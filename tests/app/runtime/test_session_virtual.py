"""RobotSession on the real Dynamixel driver over the virtual ALOHA bus (simulator backend)."""

import os
from pathlib import Path

import numpy as np
import pytest

from app.runtime.recorder import RecorderConfig
from app.runtime.robots import make_robot
from app.runtime.session import RobotSession
from app.runtime.snapshot import Mode
from recordings.reader import load_episode
from recordings.validate import validate_path
from tests.app.runtime.fakes import wait_until

os.environ.setdefault("MUJOCO_GL", "egl")
pytestmark = pytest.mark.slow


@pytest.fixture
def virtual_session():
    robot = make_robot("virtual", task="transfer_cube", cameras=("cam_high",), image_size=(48, 64))
    session = RobotSession(robot, recorder=RecorderConfig(reset_seconds=0.2, robot="virtual"))
    session.start()
    yield session
    session.stop()


def test_teleop_records_two_episodes_that_validate_with_the_prompt(
    virtual_session: RobotSession, tmp_path: Path
) -> None:
    session = virtual_session
    session.set_mode(Mode.TELEOP)
    session.recorder.set_folder(tmp_path)
    session.recorder.start_episodes("hand the cube over", 2, seconds=0.6)
    assert session.recorder.wait_idle(60)
    results = validate_path(tmp_path)
    assert [r.ok for r in results] == [True, True], [r.message for r in results]
    episode = load_episode(tmp_path / "episode_1.hdf5")
    assert episode.prompt == "hand the cube over" and len(episode.action) == 30
    leader = session.robot.leaders["right"].read_state().qpos
    follower = session.robot.followers["right"].read_state().qpos
    assert np.abs(leader[:6] - follower[:6]).max() < 0.2  # the follower tracks the leader


def test_silent_servo_ends_in_the_safe_state_with_the_error_reported(
    virtual_session: RobotSession,
) -> None:
    session = virtual_session
    session.set_mode(Mode.TELEOP)
    wait_until(lambda: session.snapshot().mode is Mode.TELEOP, what="teleop")
    bus = session.robot.virtual_bus
    bus.inject("follower_right", "silent", 4)
    wait_until(lambda: session.snapshot().error is not None, what="the error")
    snap = session.snapshot()
    assert snap.estopped and "follower_right" in snap.error
    assert any("robot made safe" in line for line in snap.events)
    assert not bus.torque("follower_left").any()  # e-stop: torque off on both followers
    assert not bus.torque("follower_right").any()
