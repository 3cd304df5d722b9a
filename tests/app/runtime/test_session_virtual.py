"""RobotSession on the real Dynamixel driver over the virtual ALOHA bus (simulator backend)."""

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

pytestmark = pytest.mark.slow


# Every tick is eight request/reply round trips through pty servers in this same process; on
# a small, shared machine 20 Hz keeps them well inside the driver's reply timeout.
RATE_HZ = 20.0


def _connected_virtual_robot(cameras: tuple[str, ...] = ("cam_high",)):
    """A connected virtual ALOHA; one retry, because a starved machine can miss a scan reply."""
    for attempt in range(2):
        robot = make_robot("virtual", task="transfer_cube", cameras=cameras, image_size=(48, 64))
        try:
            robot.connect()
            return robot
        except Exception:
            robot.disconnect()
            if attempt:
                raise
    raise AssertionError("unreachable")


@pytest.fixture
def virtual_session():
    recorder = RecorderConfig(fps=RATE_HZ, reset_seconds=0.2, robot="virtual")
    robot = _connected_virtual_robot()
    session = RobotSession(robot, rate_hz=RATE_HZ, recorder=recorder)
    session.start()
    yield session
    session.stop()
    robot.disconnect()


def test_teleop_records_two_episodes_that_validate_with_the_prompt(
    virtual_session: RobotSession, tmp_path: Path
) -> None:
    session = virtual_session
    session.set_mode(Mode.TELEOP)
    session.recorder.set_folder(tmp_path)
    session.recorder.start_episodes("hand the cube over", 2, seconds=1.0)
    assert session.recorder.wait_idle(60)
    results = validate_path(tmp_path)
    assert [r.ok for r in results] == [True, True], [r.message for r in results]
    episode = load_episode(tmp_path / "episode_1.hdf5")
    assert episode.prompt == "hand the cube over" and len(episode.action) == 20
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
    # Torque off on both followers (the servos act on the bytes a moment after they are sent).
    wait_until(lambda: not bus.torque("follower_left").any(), what="left torque off")
    wait_until(lambda: not bus.torque("follower_right").any(), what="right torque off")


def test_a_policy_with_30x_statistics_stays_inside_the_envelope(tmp_path: Path) -> None:
    from pi0_core.bundled import BUNDLED_CHECKPOINT
    from pi0_core.policy import Policy
    from pi0_core.transforms import Unnormalize

    policy = Policy.load(BUNDLED_CHECKPOINT)
    scaled = policy.unnormalize_actions
    policy.unnormalize_actions = Unnormalize("actions", scaled.mean * 30, scaled.std * 30)
    robot = _connected_virtual_robot(tuple(policy.cameras))
    sent: list[np.ndarray] = []
    driven: list[bool] = []  # whether the policy drove that command (not a hold)
    send = robot.send_followers

    def record(action: np.ndarray) -> None:
        sent.append(np.array(action))
        driven.append(session.mode is Mode.POLICY and not session.gate.out_of_range)
        send(action)

    robot.send_followers = record
    session = RobotSession(robot, policy, rate_hz=RATE_HZ)
    session.start()
    try:
        session.set_prompt("pick up the red cube")
        session.set_mode(Mode.POLICY)
        wait_until(lambda: session.snapshot().error is not None, timeout=60, what="the stop")
        snap = session.snapshot()
        goals = {
            role: [bus_servo.get("Goal_Position") for bus_servo in _primaries(robot, role)]
            for role in ("follower_left", "follower_right")
        }
    finally:
        session.stop()
        robot.disconnect()
    assert "outside the joint ranges" in snap.error
    config = session.safety.config
    commands = np.array(sent)
    assert len(commands) > 1
    assert (commands >= np.array(config.joint_lo) - 1e-6).all()  # holds too: clipped into range
    assert (commands <= np.array(config.joint_hi) + 1e-6).all()
    # Never faster than the servos while the policy drives (a hold goes to where the arm is).
    policy = commands[np.array(driven)]
    # The stop takes out_of_range_ticks driven ticks in a row; the in-range ones before them
    # depend on when the first chunk lands (15-16 alone, 10 once in a loaded CI run).
    assert len(policy) >= config.out_of_range_ticks
    steps = np.abs(np.diff(policy, axis=0))
    assert (steps <= session.safety.max_step + 1e-5).all()
    for role, ticks in goals.items():  # what the servos were last told, in their own units
        side = role.split("_")[1]
        lo = np.array(config.joint_lo[:6] if side == "left" else config.joint_lo[7:13])
        hi = np.array(config.joint_hi[:6] if side == "left" else config.joint_hi[7:13])
        radians = (np.array(ticks[:6]) - 2048) * 2 * np.pi / 4096
        assert (radians >= lo - 2e-3).all() and (radians <= hi + 2e-3).all()


def _primaries(robot, role: str):
    arm = robot.followers[role.split("_")[1]]
    return [robot.virtual_bus.servo(role, servo_id) for servo_id in arm.spec.primary_ids]
