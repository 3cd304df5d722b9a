"""AlohaArm (the real driver) on the virtual bus: configuration, state, commands, safe state."""

import numpy as np
import pytest

from drivers.dynamixel import control_table as ct
from drivers.dynamixel.aloha_arm import AlohaArm
from drivers.dynamixel.errors import ServoMissingError
from drivers.dynamixel.gripper import get_gripper_profile
from tests.drivers.dynamixel.conftest import arm_config, settle, wait_until

POSE = np.array([0.1, -0.5, 0.6, 0.0, 0.2, -0.3, 0.5])
TICK = 2 * np.pi / 4096


def test_follower_connect_configures_gripper_and_torque(virtual_aloha, connect_arm) -> None:
    settle(connect_arm("follower_left"))
    gripper = virtual_aloha.servo("follower_left", 9)
    assert gripper.get("Operating_Mode") == ct.CURRENT_BASED_POSITION_MODE
    assert gripper.get("Current_Limit") == round(300 / 2.69)
    assert virtual_aloha.servo("follower_left", 1).get("Operating_Mode") == ct.POSITION_MODE
    assert virtual_aloha.servo("follower_left", 5).get("Return_Delay_Time") == 0
    assert virtual_aloha.torque("follower_left").all()


def test_leader_has_torque_only_on_its_gripper_spring(virtual_aloha, connect_arm) -> None:
    settle(connect_arm("leader_right"))
    assert virtual_aloha.torque("leader_right").tolist() == [False] * 8 + [True]
    gripper = virtual_aloha.servo("leader_right", 9)  # XL430: no current sensing, PWM spring
    assert gripper.get("Goal_PWM") == round(885 * 0.1)


def test_send_then_read_round_trips_within_a_tick(virtual_aloha, connect_arm) -> None:
    arm = connect_arm("follower_right")
    arm.send_action(POSE)
    state = arm.read_state()
    assert np.allclose(state.qpos[:6], POSE[:6], atol=TICK)
    assert state.qpos[6] == pytest.approx(POSE[6], abs=0.01)
    assert np.allclose(virtual_aloha.joints("follower_right"), state.qpos, atol=1e-5)


def test_gripper_goal_uses_the_follower_profile(virtual_aloha, connect_arm) -> None:
    arm = connect_arm("follower_left")
    arm.send_action(np.array([0, 0, 0, 0, 0, 0, 1.0]))
    settle(arm)
    goal_ticks = virtual_aloha.servo("follower_left", 9).get("Goal_Position")
    expected = get_gripper_profile("aloha2").follower_open / TICK + 2048
    assert goal_ticks == round(expected)


def test_leader_reads_where_the_hand_put_it(virtual_aloha, connect_arm) -> None:
    arm = connect_arm("leader_left")
    virtual_aloha.set_joints("leader_left", POSE)
    assert np.allclose(arm.read_state().qpos, POSE, atol=0.01)


def test_goals_are_clipped_to_the_position_limits(virtual_aloha, connect_arm) -> None:
    servo = virtual_aloha.servo("follower_left", 1)
    servo.set("Max_Position_Limit", 2100)
    arm = connect_arm("follower_left")
    arm.send_action(np.array([1.0, 0, 0, 0, 0, 0, 0.5]))
    settle(arm)
    assert servo.get("Goal_Position") == 2100


def test_disconnect_turns_torque_off(virtual_aloha) -> None:
    arm = AlohaArm(arm_config("follower_left", virtual_aloha.ports["follower_left"]))
    with arm:
        settle(arm)
        assert virtual_aloha.torque("follower_left").all()
    assert wait_until(lambda: not virtual_aloha.torque("follower_left").any())
    assert not arm.is_connected
    arm.disconnect()  # a second time is harmless


def test_hold_safe_state_keeps_torque_and_position(virtual_aloha) -> None:
    config = arm_config("follower_left", virtual_aloha.ports["follower_left"], safe_state="hold")
    with AlohaArm(config) as arm:
        arm.send_action(POSE)
        settle(arm)
    assert wait_until(
        lambda: np.allclose(virtual_aloha.joints("follower_left")[:6], POSE[:6], atol=TICK)
    )
    assert virtual_aloha.torque("follower_left").all()


def test_a_missing_servo_is_named(virtual_aloha) -> None:
    virtual_aloha.inject("follower_left", "silent", 8)
    arm = AlohaArm(arm_config("follower_left", virtual_aloha.ports["follower_left"]))
    with pytest.raises(ServoMissingError, match=r"servo 8 \(wrist_rotate\): expected a XM430"):
        arm.connect()
    assert not arm.is_connected


def test_a_leader_on_a_follower_port_is_refused(virtual_aloha) -> None:
    config = arm_config("follower_left", virtual_aloha.ports["leader_left"])
    with pytest.raises(ServoMissingError, match="expected a XM540-W270, found XM430-W350"):
        AlohaArm(config).connect()


def test_hold_safe_state_sets_the_goal_to_where_the_moving_arm_is(virtual_aloha) -> None:
    config = arm_config("follower_left", virtual_aloha.ports["follower_left"], safe_state="hold")
    arm = AlohaArm(config)
    arm.connect()
    try:
        arm.send_action(POSE)
        settle(arm)
        on_its_way = POSE * 0.3  # the arm has not reached the goal yet
        virtual_aloha.set_joints("follower_left", on_its_way)
        arm.make_safe()
        settle(arm)
        for servo_id in arm.spec.primary_ids:
            servo = virtual_aloha.servo("follower_left", servo_id)
            assert servo.get("Goal_Position") == servo.get("Present_Position"), servo_id
        assert virtual_aloha.torque("follower_left").all()
    finally:
        arm.disconnect()


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_actions_never_reach_the_bus(virtual_aloha, connect_arm, bad) -> None:
    arm = connect_arm("follower_right")
    arm.send_action(POSE)
    settle(arm)
    goals = [virtual_aloha.servo("follower_right", i).get("Goal_Position") for i in range(1, 10)]
    action = POSE.copy()
    action[2] = bad
    with pytest.raises(ValueError, match="finite"):
        arm.send_action(action)
    settle(arm)
    after = [virtual_aloha.servo("follower_right", i).get("Goal_Position") for i in range(1, 10)]
    assert after == goals
