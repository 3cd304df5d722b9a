import numpy as np
import pytest

from app.runtime.safety import SafetyConfig, SafetyLayer

LO, HI = -np.ones(14), np.ones(14)


def layer(**kwargs) -> SafetyLayer:
    return SafetyLayer(SafetyConfig(joint_lo=tuple(LO), joint_hi=tuple(HI), **kwargs))


def test_actions_are_clamped_to_joint_limits() -> None:
    out = layer(max_joint_step_rad=10, max_gripper_step=10).filter(np.full(14, 3.0), np.zeros(14))
    assert out.refused is None and "joint limit" in out.clamped
    assert out.action[0] == 1.0 and out.action[6] == 1.0  # gripper: also within 0..1


def test_change_per_tick_is_limited_from_the_last_command() -> None:
    safety = layer(max_joint_step_rad=0.1)
    first = safety.filter(np.full(14, 0.5), np.zeros(14)).action
    assert first[0] == pytest.approx(0.1)
    second = safety.filter(np.full(14, 0.5), np.zeros(14)).action
    assert second[0] == pytest.approx(0.2)


def test_non_finite_action_is_refused_and_the_arm_holds() -> None:
    safety = layer()
    held = safety.filter(np.full(14, 0.05), np.zeros(14)).action
    bad = np.full(14, 0.05)
    bad[3] = np.nan
    out = safety.filter(bad, np.zeros(14))
    assert out.refused == "non-finite action"
    np.testing.assert_array_equal(out.action, held)


def test_wrong_shape_is_refused() -> None:
    assert layer().filter(np.zeros(7), np.zeros(14)).refused is not None


def test_gripper_may_not_close_further_while_over_the_effort_limit() -> None:
    safety = layer(gripper_effort_limit=300.0, max_gripper_step=1.0)
    qpos = np.zeros(14, np.float32)
    qpos[6] = 0.4
    effort = np.zeros(14, np.float32)
    effort[6] = 500.0
    action = qpos.copy()
    action[6] = 0.0  # squeeze harder
    out = safety.filter(action, qpos, effort)
    assert out.action[6] == pytest.approx(0.4) and "gripper effort limit" in out.clamped


def test_config_checks_its_fields() -> None:
    with pytest.raises(ValueError, match="estop_action"):
        SafetyConfig(estop_action="explode")
    with pytest.raises(ValueError, match="both"):
        SafetyConfig(joint_lo=tuple(LO))


def test_the_gripper_is_kept_within_0_and_1_whatever_the_joint_limits() -> None:
    wide = SafetyLayer(SafetyConfig(joint_lo=tuple(LO * 5), joint_hi=tuple(HI * 5)))
    qpos = np.full(14, 0.5, np.float32)
    action = qpos.copy()
    action[6], action[13] = 4.0, -3.0
    for _ in range(20):  # past the rate limit
        out = wide.filter(action, qpos).action
    assert out[6] == 1.0 and out[13] == 0.0


def test_speed_limit_per_joint_is_a_step_per_tick_at_the_control_rate() -> None:
    speed = np.full(14, 2.0)
    speed[6] = speed[13] = 5.0  # gripper: openings per second
    safety = SafetyLayer(
        SafetyConfig(joint_lo=tuple(LO * 5), joint_hi=tuple(HI * 5), max_speed=tuple(speed)),
        rate_hz=50.0,
    )
    previous = np.zeros(14, np.float32)
    for _ in range(5):
        command = safety.filter(np.full(14, 3.0), np.zeros(14)).action
        step = command - previous
        assert np.allclose(step[:6], 2.0 / 50) and np.isclose(step[6], 0.1)
        previous = command


def test_speed_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_speed"):
        SafetyConfig(max_speed=tuple([1.0] * 13 + [0.0]))
