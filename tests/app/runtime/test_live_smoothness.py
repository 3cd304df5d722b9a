"""Real-time evaluation's smoothness figures come from the commands the followers were sent."""

from types import SimpleNamespace

import numpy as np

from app.runtime.live_eval import _smoothness


def _session(ticks, commands, switches):
    runner = SimpleNamespace(switch_ticks=lambda: np.array(switches, np.int64))
    return SimpleNamespace(
        command_history=lambda: (np.array(ticks, np.int64), np.array(commands, np.float32)),
        runner=runner,
    )


def test_the_switch_step_is_read_at_the_switch_tick_and_earlier_episodes_are_left_out() -> None:
    ticks = list(range(5, 15))
    commands = np.zeros((10, 14))
    commands[:2] = np.nan  # before the first command
    commands[:, 0] = np.arange(10) * 0.01  # a steady ramp of the left waist
    commands[7:, 0] += 0.2  # a jump at tick 12, where a chunk took over
    commands[:, 6] = np.linspace(0, 1, 10)  # a gripper: not an arm joint
    step, jerk = _smoothness(_session(ticks, commands, [2, 12]), first_tick=5, rate_hz=50.0)
    assert np.isclose(step, 0.21)  # tick 2 belongs to no row of this episode
    assert jerk is not None and jerk > 0


def test_no_switch_gives_no_switch_step() -> None:
    commands = np.tile(np.linspace(0, 1, 14), (8, 1))
    step, jerk = _smoothness(_session(range(8), commands, []), first_tick=0, rate_hz=50.0)
    assert step is None and jerk == 0.0
    assert _smoothness(_session(range(2), commands[:2], []), 0, 50.0) == (None, None)


def test_real_time_reports_count_the_ticks_the_safety_layer_changed() -> None:
    from drivers.sim.evaluate import EpisodeOutcome, EvalReport

    def outcome(seed, clamped=None):
        return EpisodeOutcome(seed, True, 10, 1.0, 2, inference_ms=(90.0,), clamped_ticks=clamped)

    live = EvalReport("pick_color", (outcome(0, 3), outcome(1, 0)))
    assert live.summary()["clamped_ticks"] == 3
    lockstep = EvalReport("pick_color", (EpisodeOutcome(0, True, 10, 1.0, 2),))
    assert "clamped_ticks" not in lockstep.summary()
