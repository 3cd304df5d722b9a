"""DynamixelBus (dynamixel-sdk underneath) against the virtual bus: scan, read, write, sync."""

import pytest
import serial

from drivers.dynamixel import control_table as ct
from drivers.dynamixel.aloha_spec import VIPERX_300_6DOF
from drivers.dynamixel.bus import DynamixelBus
from drivers.dynamixel.errors import ServoHardwareError, ServoStatusError
from drivers.virtual_bus import VirtualAloha
from drivers.virtual_bus import packets as pk
from tests.drivers.dynamixel.conftest import REPLY_TIMEOUT_MS as WAIT

ALL_IDS = range(1, 10)


@pytest.fixture
def follower_bus(virtual_aloha: VirtualAloha):
    port = virtual_aloha.ports["follower_left"]
    names = VIPERX_300_6DOF.joint_names
    with DynamixelBus(port, label="follower_left", joint_names=names, min_timeout_ms=WAIT) as bus:
        yield bus


def test_scan_finds_nine_servos_with_models_and_firmware(follower_bus: DynamixelBus) -> None:
    found = follower_bus.scan()
    assert [s.id for s in found] == list(ALL_IDS)
    assert [s.model for s in found] == [s.model for s in VIPERX_300_6DOF.servos]
    assert {s.firmware for s in found} == {48}


def test_scan_at_another_baud_rate_finds_nothing(virtual_aloha: VirtualAloha) -> None:
    with DynamixelBus(virtual_aloha.ports["leader_left"], baud=57600) as bus:
        assert bus.scan() == []


def test_ping_reports_model(follower_bus: DynamixelBus) -> None:
    assert follower_bus.ping(9).model == "XM430-W350"
    assert follower_bus.find(42) is None


def test_write_then_read_round_trips_signed_values(follower_bus: DynamixelBus) -> None:
    follower_bus.write("Homing_Offset", 1, -1234)
    assert follower_bus.read("Homing_Offset", 1) == -1234


def test_eeprom_write_is_refused_while_torque_is_on(follower_bus: DynamixelBus) -> None:
    follower_bus.write("Torque_Enable", 1, 1)
    expected = r"servo 1 \(waist\): WRITE Operating_Mode=5 refused: access error"
    with pytest.raises(ServoStatusError, match=expected):
        follower_bus.write("Operating_Mode", 1, ct.CURRENT_BASED_POSITION_MODE)


def test_sync_read_and_write_of_two_arms_of_nine(virtual_aloha: VirtualAloha) -> None:
    primaries = VIPERX_300_6DOF.primary_ids  # shadows (3, 5) follow IDs 2 and 4
    goals = [{i: 1000 + 100 * arm + i for i in primaries} for arm in range(2)]
    roles = ("follower_left", "follower_right")
    buses = [DynamixelBus(virtual_aloha.ports[role], min_timeout_ms=WAIT) for role in roles]
    for bus, goal in zip(buses, goals, strict=True):
        bus.open()
        bus.sync_write("Torque_Enable", {i: 1 for i in primaries})
        bus.sync_write("Goal_Position", goal)
    for bus, goal in zip(buses, goals, strict=True):
        values = bus.sync_read(ct.STATE_BLOCK, ALL_IDS)
        bus.close()
        positions = {i: values[i]["Present_Position"] for i in ALL_IDS}
        assert positions == goal | {3: goal[2], 5: goal[4]}
        assert set(values[1]) == set(ct.STATE_BLOCK)


def test_write_to_a_primary_reaches_its_shadow(follower_bus: DynamixelBus) -> None:
    follower_bus.write("Torque_Enable", 2, 1)
    assert follower_bus.read("Torque_Enable", 3) == 1  # ID 3 shadows ID 2
    assert follower_bus.read("Torque_Enable", 5) == 0


def test_only_the_primary_answers_on_a_shared_id(virtual_aloha: VirtualAloha) -> None:
    with serial.Serial(virtual_aloha.ports["follower_left"], 1_000_000, timeout=0.2) as port:
        port.write(pk.encode(2, pk.PING))
        replies = pk.PacketReader().feed(port.read(100))
    assert [(r.servo_id, r.instruction) for r in replies] == [(2, pk.STATUS)]


def test_reboot_clears_a_hardware_error(virtual_aloha: VirtualAloha, follower_bus) -> None:
    virtual_aloha.inject("follower_left", "overload", 4)
    with pytest.raises(ServoHardwareError):
        follower_bus.read("Present_Position", 4)
    follower_bus.reboot(4)
    assert follower_bus.read("Hardware_Error_Status", 4) == 0


def test_return_delay_is_applied(virtual_aloha: VirtualAloha) -> None:
    servo = virtual_aloha.servo("follower_left", 1)
    assert servo.get("Return_Delay_Time") == 250  # factory value: 500 us before each reply
    with DynamixelBus(virtual_aloha.ports["follower_left"], min_timeout_ms=WAIT) as bus:
        bus.write("Return_Delay_Time", 1, 0)
    assert servo.get("Return_Delay_Time") == 0
