"""RobotSession on the simulated ALOHA: policy mode, prompt changes, e-stop, task success."""

import pytest
import torch

from app.runtime.recorder import RecorderConfig
from app.runtime.robots import make_robot
from app.runtime.session import RobotSession
from app.runtime.snapshot import Mode
from app.runtime.untrained import untrained_tiny_policy
from recordings.validate import validate_path
from tests.app.runtime.fakes import FakePolicy, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture
def sim_robot():
    return make_robot("sim", task="pick_color", cameras=("cam_high",), image_size=(48, 64))


def test_policy_mode_keeps_the_loop_going_and_follows_a_new_prompt(sim_robot) -> None:
    policy = FakePolicy(chunk=50, latency_s=0.05)
    with RobotSession(sim_robot, policy) as session:
        session.set_prompt("pick up the red cube")
        session.set_mode(Mode.POLICY)
        wait_until(lambda: session.snapshot().chunks >= 2, what="two chunks")
        start = session.snapshot()
        session.set_prompt("pick up the blue cube")
        wait_until(
            lambda: session.snapshot().chunk_prompt == "pick up the blue cube", what="prompt"
        )
        wait_until(lambda: session.snapshot().tick >= start.tick + 100, what="100 more ticks")
        snap = session.snapshot()
    assert policy.prompts[: start.chunks] == ["pick up the red cube"] * start.chunks
    assert policy.prompts[-1] == "pick up the blue cube"
    assert snap.error is None and snap.mode is Mode.POLICY
    # Loose: the loop kept ticking while chunks were computed (no timing assertion).
    assert snap.loop.ticks >= 100
    assert snap.task_success is False  # the simulator reports success; a fake policy fails


def test_untrained_tiny_pi0_drives_the_simulator(sim_robot) -> None:
    torch.set_num_threads(1)
    policy = untrained_tiny_policy(cameras=("cam_high",))
    with RobotSession(sim_robot, policy) as session:
        session.set_prompt("pick up the green cube")
        session.set_mode(Mode.POLICY)
        wait_until(lambda: session.snapshot().chunks >= 1, timeout=60, what="a chunk")
        snap = session.snapshot()
    assert snap.error is None and snap.inference_ms > 0
    assert snap.action.shape == (14,) and len(snap.history_action) > 0


def test_estop_in_the_simulator_holds_within_one_tick(sim_robot) -> None:
    with RobotSession(sim_robot, FakePolicy()) as session:
        session.set_mode(Mode.POLICY)
        wait_until(lambda: session.snapshot().chunks >= 1, what="a chunk")
        session.estop()
        wait_until(lambda: session.snapshot().estop_latency_ticks is not None, what="e-stop")
        snap = session.snapshot()
    assert snap.estopped and snap.estop_latency_ticks <= 1


def test_rerecord_replaces_the_last_episode_and_keeps_the_earlier_one(sim_robot, tmp_path) -> None:
    recorder = RecorderConfig(reset_seconds=0.0)
    with RobotSession(sim_robot, recorder=recorder) as session:
        session.set_mode(Mode.HOLD)
        session.recorder.set_folder(tmp_path)
        session.recorder.start_episodes("first", 2, seconds=0.3)
        assert session.recorder.wait_idle(30)
        first = (tmp_path / "episode_0.hdf5").read_bytes()
        session.recorder.rerecord()
        assert session.recorder.wait_idle(30)
        snap = session.snapshot()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["episode_0.hdf5", "episode_1.hdf5"]
    assert (tmp_path / "episode_0.hdf5").read_bytes() == first
    assert [r.ok for r in validate_path(tmp_path)] == [True, True]
    assert snap.episodes_saved == 2 and snap.episode_index == 2


def test_a_prompt_naming_no_cube_is_reported_not_judged(sim_robot) -> None:
    from app.runtime.console import summary_lines
    from app.runtime.robots import simulator_of

    with RobotSession(sim_robot, FakePolicy()) as session:
        session.set_prompt("wave hello")
        wait_until(lambda: session.snapshot().tick >= 20, what="20 ticks")
        snap = session.snapshot()
        session.set_prompt("pick up the red cube")
        named = session.snapshot()
    assert snap.task_success is None
    assert snap.task_problem == "the prompt names no cube of pick_color (red, green, blue)"
    assert summary_lines(snap, 1.0)[-1] == f"task success: not judged, {snap.task_problem}"
    assert named.task_problem is None and simulator_of(sim_robot).target_color == "red"


def test_a_scene_reset_leaves_the_arms_at_the_start_pose(sim_robot) -> None:

    from drivers.sim.world import AlohaSim

    sim = sim_robot.physics
    wrist = sim.arm_qpos[10]  # the right wrist angle
    start = AlohaSim.start_action()
    away = start.copy()
    away[11] += 1.0
    with RobotSession(sim_robot) as session:  # idle: the servos keep the goal they were given
        sim.set_action(away)
        wait_until(lambda: session.snapshot().tick >= 40, what="40 ticks")
        session.set_mode(Mode.HOLD)  # and the session holds the arm there
        wait_until(lambda: session.snapshot().mode is Mode.HOLD, what="hold")
        held_at = session.snapshot().tick
        wait_until(lambda: session.snapshot().tick >= held_at + 10, what="10 ticks held")
        assert abs(sim.data.qpos[wrist] - start[11]) > 0.5  # held away from the start pose
        session.reset_scene(sim.seed)  # in hold, as the Record tab resets between episodes
        reset_at = session.snapshot().tick
        wait_until(lambda: session.snapshot().tick >= reset_at + 40, what="40 ticks after")
        _, commands = session.command_history()
    # The arms hold where the reset put them: no ramp back toward the pose held before.
    assert abs(sim.data.qpos[wrist] - start[11]) < 0.05
    assert abs(commands[-1][11] - start[11]) < 0.05
