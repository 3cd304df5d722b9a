"""Followers reach their safe state at process exit and on Ctrl-C, not only on disconnect."""

import os
import signal
import time

import pytest

from drivers.dynamixel import safety
from tests.drivers.dynamixel.conftest import settle


def test_exit_handler_turns_torque_off(virtual_aloha, connect_arm) -> None:
    arm = connect_arm("follower_left")
    settle(arm)
    safety.make_all_safe()  # what atexit runs
    settle(arm)
    assert not virtual_aloha.torque("follower_left").any()


def test_ctrl_c_turns_torque_off_then_interrupts(virtual_aloha, connect_arm) -> None:
    arm = connect_arm("follower_right")
    settle(arm)
    if signal.getsignal(signal.SIGINT) is not safety._on_signal:
        pytest.skip("another SIGINT handler was installed first; it is left alone on purpose")
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(1)  # the handler runs at once and interrupts this
    settle(arm)
    assert not virtual_aloha.torque("follower_right").any()
