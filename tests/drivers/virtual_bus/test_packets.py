"""Protocol 2.0 framing of the virtual bus, checked against the e-Manual and dynamixel-sdk."""

from dynamixel_sdk import PacketHandler

from drivers.virtual_bus import packets as pk


def test_crc_of_the_manuals_ping_example() -> None:
    # e-Manual, Protocol 2.0, PING example for ID 1: FF FF FD 00 01 03 00 01 19 4E.
    assert pk.encode(1, pk.PING) == bytes.fromhex("FFFFFD0001030001194E")


def test_crc_matches_dynamixel_sdk() -> None:
    data = bytes(range(200))
    assert pk.crc16(data) == PacketHandler(2.0).updateCRC(0, list(data), len(data))


def test_stuffing_inserts_fd_after_header_pattern_and_round_trips() -> None:
    body = bytes([0x03, 0xFF, 0xFF, 0xFD, 0x01])
    assert pk.stuff(body) == bytes([0x03, 0xFF, 0xFF, 0xFD, 0xFD, 0x01])
    assert pk.unstuff(pk.stuff(body)) == body


def test_stuffed_packet_length_counts_the_extra_byte() -> None:
    packet = pk.encode(1, pk.WRITE, bytes([0x74, 0x00, 0xFF, 0xFF, 0xFD, 0x00]))
    assert int.from_bytes(packet[5:7], "little") == 1 + 6 + 1 + 2


def test_reader_skips_noise_and_joins_split_packets() -> None:
    packet = pk.encode(7, pk.READ, bytes([0x84, 0x00, 0x04, 0x00]))
    reader = pk.PacketReader()
    assert reader.feed(b"\x00\x12\xff" + packet[:5]) == []
    (parsed,) = reader.feed(packet[5:])
    assert (parsed.servo_id, parsed.instruction, parsed.params, parsed.crc_ok) == (
        7, pk.READ, bytes([0x84, 0x00, 0x04, 0x00]), True,
    )  # fmt: skip


def test_reader_flags_a_bad_crc() -> None:
    packet = bytearray(pk.encode(3, pk.PING))
    packet[-1] ^= 0x55
    (parsed,) = pk.PacketReader().feed(bytes(packet))
    assert not parsed.crc_ok


def test_reader_unstuffs_parameters() -> None:
    params = bytes([0x74, 0x00, 0xFF, 0xFF, 0xFD, 0x00])
    (parsed,) = pk.PacketReader().feed(pk.encode(1, pk.WRITE, params))
    assert parsed.params == params
