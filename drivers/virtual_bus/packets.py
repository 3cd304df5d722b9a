"""Dynamixel Protocol 2.0 packets, byte for byte: CRC-16, byte stuffing, framing."""

from __future__ import annotations

from dataclasses import dataclass

HEADER = b"\xff\xff\xfd\x00"
BROADCAST_ID = 0xFE
STATUS = 0x55
MAX_LENGTH = 1024  # longest LENGTH field accepted, as in dynamixel-sdk

# Instructions.
PING = 0x01
READ = 0x02
WRITE = 0x03
REG_WRITE = 0x04
ACTION = 0x05
REBOOT = 0x08
SYNC_READ = 0x82
SYNC_WRITE = 0x83

# Status error numbers.
ERR_RESULT_FAIL = 1
ERR_INSTRUCTION = 2
ERR_CRC = 3
ERR_DATA_RANGE = 4
ERR_DATA_LENGTH = 5
ERR_DATA_LIMIT = 6
ERR_ACCESS = 7
ALERT = 0x80


def _crc_table() -> list[int]:
    # CRC-16 with polynomial 0x8005, MSB first, initial value 0 (ROBOTIS e-Manual).
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x8005) if crc & 0x8000 else (crc << 1)
        table.append(crc & 0xFFFF)
    return table


_CRC_TABLE = _crc_table()


def crc16(data: bytes) -> int:
    """The Protocol 2.0 CRC of `data` (header through parameters)."""
    crc = 0
    for byte in data:
        crc = ((crc << 8) ^ _CRC_TABLE[((crc >> 8) ^ byte) & 0xFF]) & 0xFFFF
    return crc


def stuff(body: bytes) -> bytes:
    """Insert 0xFD after every FF FF FD in the instruction+parameter bytes."""
    out = bytearray()
    for byte in body:
        out.append(byte)
        if byte == 0xFD and out[-3:-1] == b"\xff\xff":
            out.append(0xFD)
    return bytes(out)


def unstuff(body: bytes) -> bytes:
    """Remove the 0xFD that `stuff` inserted."""
    out = bytearray()
    for byte in body:
        if byte == 0xFD and out[-3:] == b"\xff\xff\xfd":
            continue
        out.append(byte)
    return bytes(out)


def encode(servo_id: int, instruction: int, params: bytes = b"") -> bytes:
    """A complete packet: header, ID, LENGTH, stuffed instruction+params, CRC."""
    body = stuff(bytes([instruction]) + params)
    head = HEADER + bytes([servo_id]) + (len(body) + 2).to_bytes(2, "little") + body
    return head + crc16(head).to_bytes(2, "little")


def status(servo_id: int, error: int = 0, params: bytes = b"") -> bytes:
    """A status packet (instruction 0x55) with an error byte."""
    return encode(servo_id, STATUS, bytes([error]) + params)


@dataclass(frozen=True)
class Packet:
    """One received packet, unstuffed; `crc_ok` is False when the checksum did not match."""

    servo_id: int
    instruction: int
    params: bytes
    crc_ok: bool = True


class PacketReader:
    """Turns a byte stream into packets; skips noise before a header, waits for whole packets."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Packet]:
        """Add received bytes; return every packet that is now complete."""
        self._buffer += data
        packets = []
        while (packet := self._next()) is not None:
            packets.append(packet)
        return packets

    def _next(self) -> Packet | None:
        start = self._buffer.find(HEADER)
        if start < 0:
            del self._buffer[: max(0, len(self._buffer) - 3)]  # keep a possible partial header
            return None
        del self._buffer[:start]
        if len(self._buffer) < 7:
            return None
        length = int.from_bytes(self._buffer[5:7], "little")
        if not 3 <= length <= MAX_LENGTH:
            del self._buffer[0]  # not a real header: resynchronise one byte further
            return self._next()
        total = 7 + length
        if len(self._buffer) < total:
            return None
        raw = bytes(self._buffer[:total])
        del self._buffer[:total]
        body = unstuff(raw[7:-2])
        crc_ok = crc16(raw[:-2]) == int.from_bytes(raw[-2:], "little")
        return Packet(raw[4], body[0], body[1:], crc_ok)
