import numpy as np

from app.runtime.action_gate import ActionGate
from app.runtime.events import EventLog
from app.runtime.safety import SafetyConfig, SafetyLayer
from app.runtime.snapshot import Mode

QPOS, EFFORT = np.zeros(14, np.float32), np.zeros(14, np.float32)


def gate(**config) -> ActionGate:
    return ActionGate(SafetyLayer(SafetyConfig(**config)), EventLog())


def test_idle_sends_nothing_and_hold_holds_the_measured_position() -> None:
    g = gate()
    assert g.command(Mode.IDLE, None, None, QPOS, EFFORT, 0.0) is None
    g.enter_mode(Mode.HOLD)
    np.testing.assert_allclose(g.command(Mode.HOLD, None, None, QPOS + 0.1, EFFORT, 0.0), 0.1)


def test_a_gap_holds_the_last_action_and_the_watchdog_trips_after_its_period() -> None:
    g = gate(watchdog_s=0.1)
    g.enter_mode(Mode.POLICY)
    sent = g.command(Mode.POLICY, None, np.full(14, 0.05), QPOS, EFFORT, 1.0)
    held = g.command(Mode.POLICY, None, None, QPOS, EFFORT, 1.05)
    np.testing.assert_array_equal(held, sent)
    assert not g.watchdog_tripped
    g.command(Mode.POLICY, None, None, QPOS, EFFORT, 1.15)
    assert g.watchdog_tripped and g.safety_events == 1
    g.command(Mode.POLICY, None, np.full(14, 0.05), QPOS, EFFORT, 1.2)
    assert not g.watchdog_tripped


def test_watchdog_waits_for_the_first_action_of_a_mode() -> None:
    g = gate(watchdog_s=0.1)
    g.enter_mode(Mode.POLICY)
    g.command(Mode.POLICY, None, None, QPOS, EFFORT, 5.0)  # waiting for the first chunk
    assert not g.watchdog_tripped


def test_estop_holds_or_sends_nothing_as_configured() -> None:
    assert gate().command(Mode.POLICY, "torque_off", np.ones(14), QPOS, EFFORT, 0.0) is None
    held = gate().command(Mode.POLICY, "hold", np.ones(14), QPOS + 0.2, EFFORT, 0.0)
    np.testing.assert_allclose(held, 0.2)


def test_non_finite_action_counts_a_safety_event() -> None:
    g = gate()
    g.enter_mode(Mode.POLICY)
    g.command(Mode.POLICY, None, np.full(14, np.inf), QPOS, EFFORT, 0.0)
    assert g.safety_events == 1


def test_policy_asking_outside_the_ranges_holds_after_a_few_ticks() -> None:
    g = ActionGate(
        SafetyLayer(
            SafetyConfig(joint_lo=(-1.0,) * 14, joint_hi=(1.0,) * 14, out_of_range_ticks=3)
        ),
        EventLog(),
    )
    g.enter_mode(Mode.POLICY)
    measured = QPOS + 0.01
    wild = measured.copy()
    wild[1] = 2.0  # a shoulder target 1 rad past its range
    for _ in range(2):
        g.command(Mode.POLICY, None, wild, measured, EFFORT, 0.0)
    assert g.out_of_range is None  # a short excursion is only clamped
    held = g.command(Mode.POLICY, None, wild, measured, EFFORT, 0.0)
    assert "outside the joint ranges" in g.out_of_range
    np.testing.assert_allclose(held, measured)  # holds where the arm is
    later = g.command(Mode.POLICY, None, np.zeros(14), measured, EFFORT, 0.0)
    np.testing.assert_allclose(later, measured)  # and keeps holding until the mode changes
    assert g.clamped_by_joint[1] == 3 and g.clamped_by_joint[0] == 0


def test_a_clamped_target_just_inside_the_margin_does_not_stop_the_policy() -> None:
    g = ActionGate(
        SafetyLayer(
            SafetyConfig(joint_lo=(-1.0,) * 14, joint_hi=(1.0,) * 14, out_of_range_ticks=2)
        ),
        EventLog(),
    )
    g.enter_mode(Mode.POLICY)
    near = np.zeros(14, np.float32)
    near[2] = 1.02  # within the 0.05 rad margin
    for _ in range(10):
        g.command(Mode.POLICY, None, near, QPOS, EFFORT, 0.0)
    assert g.out_of_range is None


def test_the_first_command_of_a_mode_starts_from_the_measured_position() -> None:
    g = gate(max_joint_step_rad=0.1)
    g.enter_mode(Mode.POLICY)
    g.command(Mode.POLICY, None, np.full(14, 0.05), QPOS, EFFORT, 0.0)
    moved = QPOS + 0.5  # the arm was moved (by hand, or it lagged) while in another mode
    g.enter_mode(Mode.TELEOP)
    first = g.command(Mode.TELEOP, None, np.full(14, 0.5), moved, EFFORT, 0.0)
    np.testing.assert_allclose(first, 0.5)  # from 0.5, not rate-limited from the old 0.05
