"""Opening a port that is missing or forbidden says what to do about it."""

import os

import pytest

from drivers.dynamixel.bus import DynamixelBus
from drivers.dynamixel.errors import PortNotFoundError, PortPermissionError


def test_missing_port_suggests_listing_devices(tmp_path) -> None:
    with pytest.raises(PortNotFoundError, match="does not exist.*main.py devices"):
        DynamixelBus(str(tmp_path / "ttyUSB9")).open()


def test_forbidden_port_suggests_the_dialout_group(virtual_aloha, monkeypatch) -> None:
    monkeypatch.setattr(os, "access", lambda path, mode: False)  # tests may run as root
    with pytest.raises(PortPermissionError, match="dialout"):
        DynamixelBus(virtual_aloha.ports["leader_left"]).open()


def test_unsupported_baud_rate_is_refused(virtual_aloha) -> None:
    with pytest.raises(Exception, match="baud rate 12345"):
        DynamixelBus(virtual_aloha.ports["leader_left"], baud=12345).open()
