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
