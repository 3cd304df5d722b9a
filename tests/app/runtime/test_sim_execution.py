"""Evaluation with latency: the app's schedule on the simulator, each chunk arriving late."""

import numpy as np
import pytest

from app.runtime.execution import ExecutionConfig
from app.runtime.sim_execution import ScheduledController, delay_ticks_for, scheduled_controllers
from drivers.sim.evaluate import ChunkController, evaluate
from drivers.sim.world import AlohaSim


class StubSim:
    """Just what an observation needs: black images, a fixed state and a prompt."""

    prompt = "pick up the red cube"

    def render(self, camera: str, height: int, width: int) -> np.ndarray:
        return np.zeros((height, width, 3), np.uint8)

    def qpos(self) -> np.ndarray:
        return np.full(14, -1.0, np.float32)


class NumberedChunks:
    """Chunk k (from 1) has rows 100·k + row; records the rtc prefix and delay it was given."""

    cameras = ("cam_high",)

    def __init__(self, chunk: int = 20) -> None:
        self.chunk, self.calls, self.guidance = chunk, 0, []

    def infer(self, obs: dict, prefix=None, delay: int = 0) -> np.ndarray:
        self.calls += 1
        if prefix is not None:
            self.guidance.append((prefix[:, 0].copy(), delay))
        rows = 100.0 * self.calls + np.arange(self.chunk, dtype=np.float32)
        return np.repeat(rows[:, None], 14, axis=1)


def first_joint(mode: str, delay: int, steps: int = 30, horizon: int = 10):
    policy = NumberedChunks()
    config = ExecutionConfig(mode, execution_horizon=horizon)
    controller = ScheduledController(policy, StubSim(), (8, 8), config, delay)
    return [float(controller(step)[0]) for step in range(steps)], controller, policy


def test_during_the_delay_the_robot_runs_exactly_what_is_scheduled() -> None:
    actions, controller, _ = first_joint("naive", delay=5, steps=35)
    assert actions[:5] == [-1.0] * 5  # nothing scheduled yet: the start pose is held
    # Chunk 1 from its first row: the robot held while it was computed, so none of it ran.
    assert actions[5:15] == [100 + row for row in range(10)]
    assert actions[15:20] == [110, 111, 112, 113, 114]  # asked for at 15: chunk 1 runs on
    assert actions[20:25] == [205, 206, 207, 208, 209]  # chunk 2 from row 5 at tick 20
    assert actions[30:35] == [305, 306, 307, 308, 309]
    assert controller.switch_ticks == [20, 30] and controller.held_ticks == 5


def test_sync_waits_holding_and_then_starts_from_the_first_action() -> None:
    actions, _, _ = first_joint("sync", delay=3, steps=20)
    assert actions[:3] == [-1.0] * 3
    assert actions[3:13] == [100 + row for row in range(10)]
    assert actions[13:16] == [109.0] * 3  # the horizon's last action, held
    assert actions[16:18] == [200, 201]


def test_rtc_gets_the_scheduled_actions_ahead_and_the_measured_delay() -> None:
    actions, _, policy = first_joint("rtc", delay=4)
    prefix, delay = policy.guidance[0]
    assert prefix.tolist() == list(range(110, 120)) and delay == 4  # rows 10.. of chunk 1
    assert actions[4] == 100 and actions[17] == 113  # chunk 1 from row 0 at its arrival
    assert actions[18] == 204  # the new chunk from row 4 when it arrives


@pytest.fixture
def two_sims():
    sims = [AlohaSim("pick_color", 3), AlohaSim("pick_color", 3)]
    yield sims
    for sim in sims:
        sim.close()


def test_sync_without_latency_is_the_lockstep_evaluation(two_sims) -> None:
    sims = two_sims
    lockstep = ChunkController(NumberedChunks(), sims[0], 7, (8, 8))
    scheduled = scheduled_controllers("sync", 0)(NumberedChunks(), sims[1], (8, 8), 7)
    for step in range(40):
        a, b = lockstep(step), scheduled(step)
        assert np.array_equal(a, b)
        for sim, action in zip(sims, (a, b), strict=True):
            sim.set_action(action)
            sim.step()
    assert lockstep.switch_ticks == scheduled.switch_ticks == [7, 14, 21, 28, 35]


def test_evaluation_reports_the_execution_and_smoothness_keys() -> None:
    class Still(NumberedChunks):
        def infer(self, obs: dict, prefix=None, delay: int = 0) -> np.ndarray:
            return np.tile(obs["state"], (self.chunk, 1))

    controllers = scheduled_controllers("naive", 3)
    report = evaluate("pick_color", Still(), 1, seed=5, image_size=(8, 8), controller=controllers)
    summary = report.summary()
    assert summary["execution"] == "sync" and summary["delay_ticks"] == 0  # labels as given
    assert summary["max_switch_step"] is not None and summary["mean_abs_jerk"] >= 0
    assert summary["max_chunk_step"] == 0.0  # a policy that holds still


def test_latency_rounds_up_to_whole_ticks() -> None:
    assert [delay_ticks_for(ms) for ms in (0, 20, 21, 200)] == [0, 1, 2, 10]
    with pytest.raises(ValueError, match="latency"):
        delay_ticks_for(-1)
    with pytest.raises(ValueError, match="unknown execution mode"):
        scheduled_controllers("smooth", 0)
