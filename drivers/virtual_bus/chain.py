"""A daisy chain of virtual servos on one port: answers Protocol 2.0 instruction packets."""

from __future__ import annotations

import threading
from collections.abc import Callable

from drivers.dynamixel import control_table as ct
from drivers.virtual_bus import faults as fl
from drivers.virtual_bus import packets as pk
from drivers.virtual_bus.servo import Reply, VirtualServo

RETURN_DELAY_UNIT_S = 2e-6  # Return_Delay_Time counts 2 us

# What each Status_Return_Level answers: 0 = PING only, 1 = PING and READ, 2 = everything.
_ANSWERED_AT_LEVEL = {0: {pk.PING}, 1: {pk.PING, pk.READ, pk.SYNC_READ}}

Transmission = tuple[float, bytes]  # (seconds to wait first, bytes to send)


class ServoChain:
    """The servos on one port; `handle` turns one instruction packet into the replies."""

    def __init__(self, servos: list[VirtualServo]) -> None:
        self.servos = servos
        self.lock = threading.RLock()  # held while handling a packet or updating servos
        self.faults: dict[int, fl.Fault] = {}
        self.on_write: Callable[[VirtualServo], None] | None = None  # e.g. the static backend
        self.on_sync_write: Callable[[], None] | None = None  # once per sync write, after it
        self._registered: dict[int, tuple[int, bytes]] = {}  # REG_WRITE waiting for ACTION

    def servo(self, servo_id: int) -> VirtualServo | None:
        """The servo whose primary ID is `servo_id`."""
        return next((s for s in self.servos if s.id == servo_id), None)

    def inject(self, fault: fl.Fault) -> None:
        """Start a fault; an overload fault sets the servo's hardware error at once."""
        with self.lock:
            if fault.kind == fl.OVERLOAD:
                servo = self.servo(fault.servo_id)
                if servo is None:
                    raise KeyError(f"no servo {fault.servo_id} on this chain")
                servo.raise_hardware_error(5)
            else:
                self.faults[fault.servo_id] = fault

    def clear_faults(self) -> None:
        """Stop every injected fault (hardware errors stay until a reboot)."""
        with self.lock:
            self.faults.clear()

    def handle(self, packet: pk.Packet, baud: int) -> list[Transmission]:
        """The replies to one packet, as heard at `baud` (servos at another rate hear noise)."""
        with self.lock:
            listening = [s for s in self.servos if s.baud == baud]
            if not listening:
                return []
            if not packet.crc_ok:
                target = self._primary(listening, packet.servo_id)
                return self._send(target, packet.instruction, Reply(pk.ERR_CRC))
            handler = _HANDLERS.get(packet.instruction, ServoChain._unknown)
            return handler(self, listening, packet)

    # -- instructions ------------------------------------------------------------------------

    def _ping(self, listening: list[VirtualServo], packet: pk.Packet) -> list[Transmission]:
        if packet.servo_id == pk.BROADCAST_ID:
            targets = sorted(listening, key=lambda s: s.id)
        else:
            targets = [s for s in [self._primary(listening, packet.servo_id)] if s]
        replies: list[Transmission] = []
        for servo in targets:
            info = ct.encode(ct.X_SERIES["Model_Number"], servo.model.number)
            info += bytes([servo.get("Firmware_Version")])
            replies += self._send(servo, pk.PING, Reply(servo.read(0, 1).error, info))
        return replies

    def _read(self, listening: list[VirtualServo], packet: pk.Packet) -> list[Transmission]:
        if len(packet.params) != 4:
            return self._send(self._primary(listening, packet.servo_id), pk.READ, _length_error())
        address, length = _u16(packet.params, 0), _u16(packet.params, 2)
        servo = self._primary(listening, packet.servo_id)
        return self._send(servo, pk.READ, servo.read(address, length) if servo else Reply())

    def _write(self, listening: list[VirtualServo], packet: pk.Packet) -> list[Transmission]:
        if len(packet.params) < 3:
            return self._send(self._primary(listening, packet.servo_id), pk.WRITE, _length_error())
        address, data = _u16(packet.params, 0), packet.params[2:]
        reply = Reply()
        for servo in self._targets(listening, packet.servo_id):
            result = servo.write(address, data)
            self._written(servo)
            if servo.id == packet.servo_id:
                reply = result
        return self._send(self._primary(listening, packet.servo_id), pk.WRITE, reply)

    def _reg_write(self, listening: list[VirtualServo], packet: pk.Packet) -> list[Transmission]:
        servo = self._primary(listening, packet.servo_id)
        if servo and len(packet.params) >= 3:
            self._registered[servo.id] = (_u16(packet.params, 0), packet.params[2:])
            servo.set("Registered_Instruction", 1)
        return self._send(servo, pk.REG_WRITE, Reply())

    def _action(self, listening: list[VirtualServo], packet: pk.Packet) -> list[Transmission]:
        for servo in self._targets(listening, packet.servo_id):
            if servo.id in self._registered:
                servo.write(*self._registered.pop(servo.id))
                servo.set("Registered_Instruction", 0)
                self._written(servo)
        return self._send(self._primary(listening, packet.servo_id), pk.ACTION, Reply())

    def _reboot(self, listening: list[VirtualServo], packet: pk.Packet) -> list[Transmission]:
        for servo in self._targets(listening, packet.servo_id):
            servo.reboot()
        return self._send(self._primary(listening, packet.servo_id), pk.REBOOT, Reply())

    def _sync_read(self, listening: list[VirtualServo], packet: pk.Packet) -> list[Transmission]:
        if packet.servo_id != pk.BROADCAST_ID or len(packet.params) < 5:
            return []
        address, length = _u16(packet.params, 0), _u16(packet.params, 2)
        replies: list[Transmission] = []
        for servo_id in packet.params[4:]:
            servo = self._primary(listening, servo_id)
            if servo:
                replies += self._send(servo, pk.SYNC_READ, servo.read(address, length))
        return replies

    def _sync_write(self, listening: list[VirtualServo], packet: pk.Packet) -> list[Transmission]:
        if packet.servo_id != pk.BROADCAST_ID or len(packet.params) < 4:
            return []
        address, length = _u16(packet.params, 0), _u16(packet.params, 2)
        entries = packet.params[4:]
        if length == 0 or len(entries) % (length + 1):
            return []  # a malformed sync write is ignored by every servo
        for start in range(0, len(entries), length + 1):
            for servo in self._targets(listening, entries[start]):
                servo.write(address, entries[start + 1 : start + 1 + length])
                self._written(servo)
        if self.on_sync_write is not None:
            self.on_sync_write()
        return []

    def _unknown(self, listening: list[VirtualServo], packet: pk.Packet) -> list[Transmission]:
        servo = self._primary(listening, packet.servo_id)
        return self._send(servo, packet.instruction, Reply(pk.ERR_INSTRUCTION))

    # -- helpers -----------------------------------------------------------------------------

    def _primary(self, listening: list[VirtualServo], servo_id: int) -> VirtualServo | None:
        return next((s for s in listening if s.id == servo_id), None)

    def _targets(self, listening: list[VirtualServo], servo_id: int) -> list[VirtualServo]:
        """Servos that obey a packet for `servo_id`: the primary and its shadows (or all)."""
        if servo_id == pk.BROADCAST_ID:
            return list(listening)
        return [s for s in listening if servo_id in (s.id, s.secondary_id)]

    def _written(self, servo: VirtualServo) -> None:
        if self.on_write is not None:
            self.on_write(servo)

    def _send(self, servo: VirtualServo | None, instruction: int, reply: Reply) -> list:
        """The status packet of `servo`, after its return delay and any injected fault."""
        if servo is None:
            return []
        level = servo.get("Status_Return_Level")
        if level < 2 and instruction not in _ANSWERED_AT_LEVEL.get(level, set()):
            return []
        delay = servo.get("Return_Delay_Time") * RETURN_DELAY_UNIT_S
        data = pk.status(servo.id, reply.error, reply.params)
        fault = self.faults.get(servo.id)
        if fault is not None and fault.use():
            if fault.kind == fl.SILENT:
                return []
            if fault.kind == fl.CORRUPT:
                data = data[:-1] + bytes([data[-1] ^ 0xFF])
            if fault.kind == fl.SLOW:
                delay += fault.delay_s
        return [(delay, data)]


def _u16(data: bytes, offset: int) -> int:
    return int.from_bytes(data[offset : offset + 2], "little")


def _length_error() -> Reply:
    return Reply(pk.ERR_DATA_LENGTH)


_HANDLERS = {
    pk.PING: ServoChain._ping,
    pk.READ: ServoChain._read,
    pk.WRITE: ServoChain._write,
    pk.REG_WRITE: ServoChain._reg_write,
    pk.ACTION: ServoChain._action,
    pk.REBOOT: ServoChain._reboot,
    pk.SYNC_READ: ServoChain._sync_read,
    pk.SYNC_WRITE: ServoChain._sync_write,
}
