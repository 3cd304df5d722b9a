"""Injected faults raise their own named error and leave the follower with torque off."""

import numpy as np
import pytest

from drivers.dynamixel.errors import (
    ServoCorruptReplyError,
    ServoHardwareError,
    ServoTimeoutError,
)
from drivers.errors import DeviceError
from tests.drivers.dynamixel.conftest import settle, wait_until


def _torque_off(virtual_aloha, role: str) -> bool:
    return wait_until(lambda: not virtual_aloha.torque(role).any())


def test_one_lost_reply_is_retried(virtual_aloha, connect_arm) -> None:
    arm = connect_arm("follower_left")
    virtual_aloha.inject("follower_left", "silent", 4, count=1)
    state = arm.read_state()
    assert state.qpos.shape == (7,)
    assert arm.bus.stats.retries == 1
    assert virtual_aloha.torque("follower_left").all()


def test_silent_servo_stops_the_arm(virtual_aloha, connect_arm) -> None:
    arm = connect_arm("follower_left")
    virtual_aloha.inject("follower_left", "silent", 4)
    with pytest.raises(ServoTimeoutError) as caught:
        arm.read_state()
    message = str(caught.value)
    assert "servo 4 (elbow)" in message and "no reply" in message
    assert virtual_aloha.ports["follower_left"] in message
    assert "follower_left stopped (torque off)" in message
    assert _torque_off(virtual_aloha, "follower_left")


def test_corrupt_replies_raise_corrupt_reply_error(virtual_aloha, connect_arm) -> None:
    arm = connect_arm("follower_right")
    virtual_aloha.inject("follower_right", "corrupt", 7)
    with pytest.raises(ServoCorruptReplyError, match=r"servo 7 \(wrist_angle\): corrupt reply"):
        arm.read_state()
    assert _torque_off(virtual_aloha, "follower_right")


def test_overload_alert_names_the_hardware_error(virtual_aloha, connect_arm) -> None:
    arm = connect_arm("follower_left")
    virtual_aloha.inject("follower_left", "overload", 2)
    with pytest.raises(ServoHardwareError) as caught:
        arm.read_state()
    assert caught.value.errors == ["overload"]
    assert caught.value.servo_id == 2 and caught.value.joint == "shoulder"
    assert _torque_off(virtual_aloha, "follower_left")


def test_slightly_slow_reply_is_still_read(virtual_aloha, connect_arm) -> None:
    arm = connect_arm("follower_left")
    virtual_aloha.inject("follower_left", "slow", 6, delay_s=0.002)
    assert arm.read_state().qpos.shape == (7,)


def test_reply_slower_than_the_timeout_stops_the_arm(virtual_aloha, connect_arm) -> None:
    arm = connect_arm("follower_left")
    virtual_aloha.inject("follower_left", "slow", 6, delay_s=0.2)
    with pytest.raises(ServoTimeoutError, match=r"servo 6 \(forearm_roll\)"):
        arm.read_state()
    virtual_aloha.clear_faults()
    assert _torque_off(virtual_aloha, "follower_left")


def test_a_stopped_arm_refuses_commands_until_reconnected(virtual_aloha, connect_arm) -> None:
    arm = connect_arm("follower_left")
    virtual_aloha.inject("follower_left", "silent", 1)
    with pytest.raises(ServoTimeoutError):
        arm.read_state()
    with pytest.raises(DeviceError, match="stopped by"):
        arm.send_action(np.zeros(7))
    virtual_aloha.clear_faults()
    arm.disconnect()
    arm.connect()
    settle(arm)
    assert virtual_aloha.torque("follower_left").all()
