"""RobotSession on fake arms and cameras: modes, e-stop, watchdog, faults, recording."""

from pathlib import Path

import numpy as np
import pytest

from app.runtime.recorder import RecorderConfig
from app.runtime.safety import SafetyConfig
from app.runtime.session import RobotSession
from app.runtime.snapshot import Mode
from tests.app.runtime.fakes import FakePolicy, FakeWriter, fake_robot, wait_until


@pytest.fixture
def session_factory():
    sessions = []

    def make(robot=None, policy=None, **kwargs) -> RobotSession:
        session = RobotSession(robot or fake_robot(), policy, **kwargs)
        sessions.append(session)
        session.start()
        return session

    yield make
    for session in sessions:
        session.stop()


def ticks_after(session: RobotSession, n: int) -> None:
    start = session.snapshot().tick
    wait_until(lambda: session.snapshot().tick >= start + n, what=f"{n} ticks")


def test_loop_ticks_and_reports_its_period(session_factory) -> None:
    session = session_factory()
    ticks_after(session, 10)
    snap = session.snapshot()
    assert snap.mode is Mode.IDLE and snap.loop.ticks >= 10
    assert snap.loop.period_p50_ms > 0 and len(snap.history_qpos) >= 10
    assert snap.cameras["cam_high"].fps == 50.0 and not snap.cameras["cam_high"].stale


def test_policy_mode_executes_chunks(session_factory) -> None:
    policy = FakePolicy(chunk=10)
    session = session_factory(policy=policy)
    session.set_prompt("wave")
    session.set_mode(Mode.POLICY)
    wait_until(lambda: session.snapshot().chunks >= 3, what="three chunks")
    snap = session.snapshot()
    assert snap.mode is Mode.POLICY and snap.chunk_prompt == "wave"
    assert len(session.robot.followers["left"].sent) > 10


def test_teleop_sends_leader_positions_to_followers(session_factory) -> None:
    robot = fake_robot(leaders=True)
    robot.leaders["left"].qpos[:] = [0.05, 0.05, 0, 0, 0, 0, 0.7]
    session = session_factory(robot)
    session.set_mode(Mode.TELEOP)
    wait_until(lambda: session.mode is Mode.TELEOP, what="teleop")
    ticks_after(session, 3)
    np.testing.assert_allclose(robot.followers["left"].qpos, robot.leaders["left"].qpos)


def test_estop_takes_effect_within_one_tick_and_stays_latched(session_factory) -> None:
    session = session_factory(safety=SafetyConfig(estop_action="torque_off"))
    session.set_mode(Mode.HOLD)
    ticks_after(session, 3)
    session.estop()
    ticks_after(session, 2)
    snap = session.snapshot()
    assert snap.estopped and snap.estop_latency_ticks <= 1
    assert not session.robot.followers["left"].torque
    with pytest.raises(RuntimeError, match="e-stop"):
        session.set_mode(Mode.HOLD)
    session.reset_estop()
    wait_until(lambda: not session.snapshot().estopped, what="reset")
    assert session.robot.followers["left"].torque and session.mode is Mode.HOLD


def test_nan_action_is_refused_and_the_arm_holds(session_factory) -> None:
    robot = fake_robot()
    session = session_factory(robot, FakePolicy(nan=True))
    session.set_mode(Mode.HOLD)
    ticks_after(session, 2)
    held = robot.followers["left"].qpos.copy()
    session.set_mode(Mode.POLICY)
    wait_until(lambda: session.snapshot().safety_events >= 1, what="refusal")
    ticks_after(session, 3)
    assert any("non-finite" in line for line in session.snapshot().events)
    assert np.all(np.isfinite(robot.followers["left"].sent[-1]))
    np.testing.assert_array_equal(robot.followers["left"].qpos, held)


def test_watchdog_holds_when_the_chunk_runs_out(session_factory) -> None:
    policy = FakePolicy(chunk=4, latency_s=0.0)
    session = session_factory(policy=policy, safety=SafetyConfig(watchdog_s=0.1))
    session.set_mode(Mode.POLICY)
    wait_until(lambda: session.snapshot().chunks >= 1, what="first chunk")
    policy.gate.clear()  # no more chunks
    try:
        wait_until(lambda: session.snapshot().watchdog_tripped, what="watchdog")
        snap = session.snapshot()
        assert snap.underruns > 0 and snap.safety_events >= 1
        assert any("watchdog" in line for line in snap.events)
    finally:
        policy.gate.set()


def test_driver_fault_puts_the_session_in_its_safe_state(session_factory) -> None:
    robot = fake_robot()
    session = session_factory(robot, safety=SafetyConfig(estop_action="torque_off"))
    session.set_mode(Mode.HOLD)
    ticks_after(session, 2)
    robot.followers["right"].fail = "servo 4 (elbow) silent"
    wait_until(lambda: session.snapshot().error is not None, what="error")
    robot.followers["right"].fail = None
    snap = session.snapshot()
    assert snap.estopped and "servo 4 (elbow) silent" in snap.error
    assert not robot.followers["left"].torque  # torque off on every follower that still answers
    sent = len(robot.followers["left"].sent)
    ticks_after(session, 3)
    assert len(robot.followers["left"].sent) == sent  # nothing more is sent while faulted


def test_modes_refuse_what_the_robot_cannot_do(session_factory) -> None:
    session = session_factory()
    with pytest.raises(RuntimeError, match="policy"):
        session.set_mode(Mode.POLICY)
    with pytest.raises(RuntimeError, match="leader"):
        session.set_mode(Mode.TELEOP)
    session.set_policy(FakePolicy(cameras=("cam_low",)))
    with pytest.raises(RuntimeError, match="cam_low"):
        session.set_mode(Mode.POLICY)


def test_recording_through_the_session(session_factory, tmp_path: Path) -> None:
    session = session_factory(
        fake_robot(leaders=True),
        recorder=RecorderConfig(reset_seconds=0.0),
        writer_factory=FakeWriter,
    )
    session.set_mode(Mode.TELEOP)
    session.recorder.set_folder(tmp_path)
    session.recorder.start_episodes("stack the cups", 2, seconds=0.1)
    assert session.recorder.wait_idle(20)
    snap = session.snapshot()
    assert snap.episodes_saved == 2 and snap.recorder_state == "idle"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["episode_0.hdf5", "episode_1.hdf5"]


def test_history_shows_no_command_until_one_is_sent(session_factory) -> None:
    session = session_factory()
    ticks_after(session, 5)
    assert np.isnan(session.snapshot().history_action).all()  # idle: nothing sent
    session.set_mode(Mode.HOLD)
    wait_until(lambda: np.isfinite(session.snapshot().history_action[-1]).all(), what="a command")
    history = session.snapshot().history_action
    assert np.isnan(history[0]).all() and np.isfinite(history[-1]).all()


class OffsetPolicy(FakePolicy):
    """A policy whose targets lie far outside the shoulders' range (wrong statistics)."""

    def infer(self, obs: dict) -> np.ndarray:
        actions = super().infer(obs)
        actions[:, 1] += 3.0
        return actions


def test_a_policy_asking_outside_the_ranges_is_stopped_with_a_reason(session_factory) -> None:
    from app.runtime.headless import print_summary

    robot = fake_robot()
    session = session_factory(robot, OffsetPolicy(latency_s=0.0))
    session.set_mode(Mode.POLICY)
    wait_until(lambda: session.snapshot().error is not None, what="the out-of-range stop")
    wait_until(lambda: session.mode is Mode.HOLD, what="hold")
    snap = session.snapshot()
    assert "outside the joint ranges" in snap.error and "statistics" in snap.error
    assert snap.clamped_by_joint["left_shoulder"] >= 10
    high = session.safety.config.joint_hi[1]
    assert max(sent[1] for sent in robot.followers["left"].sent) <= high + 1e-6
    lines: list[str] = []
    assert print_summary(session, 1.0, out=lines.append) == 1  # `run` exits non-zero
    assert any("clamped per joint: left_shoulder" in line for line in lines)


def test_a_driver_fault_under_hold_sends_nothing_more(session_factory) -> None:
    robot = fake_robot()
    session = session_factory(robot, safety=SafetyConfig(estop_action="hold"))
    session.set_mode(Mode.HOLD)
    ticks_after(session, 2)
    robot.followers["right"].fail = "servo 4 (elbow) silent"
    wait_until(lambda: session.snapshot().error is not None, what="error")
    robot.followers["right"].fail = None
    sent = len(robot.followers["left"].sent)
    ticks_after(session, 5)
    assert len(robot.followers["left"].sent) == sent


def test_an_estop_arriving_mid_tick_sends_nothing_in_that_tick(session_factory) -> None:
    robot = fake_robot()
    policy = FakePolicy(latency_s=0.0)
    arm = robot.followers["left"]
    session = session_factory(robot, policy, safety=SafetyConfig(estop_action="torque_off"))
    session.set_mode(Mode.POLICY)
    wait_until(lambda: len(arm.sent) > 5, what="commands")
    sent_at_estop = []
    read = arm.read_state

    def read_then_estop():
        state = read()
        if not sent_at_estop:
            sent_at_estop.append(len(arm.sent))
            session.estop()  # between this tick's read and its send
        return state

    arm.read_state = read_then_estop
    wait_until(lambda: session.snapshot().estop_latency_ms is not None, what="the e-stop")
    ticks_after(session, 3)
    assert len(arm.sent) == sent_at_estop[0]  # neither that tick nor any after sent a command
    assert not arm.torque


def test_estop_latency_is_measured_in_milliseconds_until_the_hold_is_sent(session_factory) -> None:
    session = session_factory(safety=SafetyConfig(estop_action="hold"))
    session.set_mode(Mode.HOLD)
    ticks_after(session, 3)
    session.estop()
    wait_until(lambda: session.snapshot().estop_latency_ms is not None, what="the e-stop")
    snap = session.snapshot()
    assert 0 < snap.estop_latency_ms < 5000  # a hang guard, not a timing target
    assert any("e-stop in effect after" in line and " ms " in line for line in snap.events)


def test_policy_mode_refuses_real_arms_without_calibration(session_factory) -> None:
    robot = fake_robot()
    robot.kind = "aloha"
    session = session_factory(robot, FakePolicy())
    with pytest.raises(RuntimeError, match="no calibration file.*--allow-uncalibrated"):
        session.set_mode(Mode.POLICY)
    session.set_mode(Mode.HOLD)  # holding, or teleoperating, needs no calibration
    allowed = session_factory(fake_robot(), FakePolicy(), allow_uncalibrated=True)
    allowed.robot.kind = "aloha"
    allowed.set_mode(Mode.POLICY)
