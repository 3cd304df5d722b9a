"""Finding serial ports and the Dynamixel servos on them (for `main.py devices`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from drivers.dynamixel.bus import DynamixelBus
from drivers.dynamixel.errors import DynamixelError

log = logging.getLogger(__name__)

COMMON_BAUDS = (1_000_000, 57_600, 2_000_000, 3_000_000, 4_000_000, 115_200)
BY_ID = Path("/dev/serial/by-id")


@dataclass(frozen=True)
class SerialPortInfo:
    """One serial port and how to name it stably."""

    device: str  # /dev/ttyUSB0
    description: str
    serial_number: str  # the USB adapter's serial number ("" if none)
    by_id: str  # its /dev/serial/by-id link ("" if none)
    usb: bool = True  # a USB adapter (built-in UARTs like /dev/ttyS0 are not scanned)


@dataclass(frozen=True)
class ServoReport:
    """One servo found on a port."""

    id: int
    model: str
    firmware: int
    position: int | None  # Present_Position in ticks, None if it could not be read
    errors: list[str] = field(default_factory=list)  # hardware errors in words


@dataclass(frozen=True)
class PortReport:
    """The servos found on one port, at the baud rate they answered."""

    port: str
    baud: int | None  # None when nothing answered
    servos: list[ServoReport]
    error: str = ""  # why the port could not be scanned

    def to_dict(self) -> dict:
        """The JSON shape of `main.py devices --port ... --json`."""
        out = {"port": self.port, "baud": self.baud, "servos": [asdict(s) for s in self.servos]}
        return out | ({"error": self.error} if self.error else {})


def list_serial_ports() -> list[SerialPortInfo]:
    """The serial ports of this machine with USB serial numbers and by-id links."""
    from serial.tools import list_ports

    links = {}
    if BY_ID.is_dir():
        links = {link.resolve().as_posix(): link.as_posix() for link in sorted(BY_ID.iterdir())}
    return [
        SerialPortInfo(
            port.device,
            port.description or "",
            port.serial_number or "",
            links.get(Path(port.device).resolve().as_posix(), ""),
            usb=port.vid is not None,
        )
        for port in sorted(list_ports.comports(), key=lambda p: p.device)
    ]


def scan_port(
    port: str,
    bauds: Iterable[int] = COMMON_BAUDS,
    on_baud: Callable[[int], None] | None = None,
) -> PortReport:
    """Broadcast-ping `port` at each baud rate until servos answer; report each one."""
    for baud in bauds:
        if on_baud is not None:
            on_baud(baud)
        try:
            # Replies either come at once or not at all; the floor only helps slow virtual buses.
            with DynamixelBus(port, baud, max_attempts=2, min_timeout_ms=100) as bus:
                found = bus.scan()
                if found:
                    return PortReport(port, baud, [_report(bus, info) for info in found])
        except DynamixelError as exc:
            return PortReport(port, None, [], error=str(exc))
    return PortReport(port, None, [])


def _report(bus: DynamixelBus, info) -> ServoReport:
    try:
        position = bus.read("Present_Position", info.id, check_alert=False)
        errors = bus.hardware_errors(info.id)
    except DynamixelError as exc:
        log.warning("%s", exc)
        return ServoReport(info.id, info.model, info.firmware, None, [f"unreadable: {exc.what}"])
    return ServoReport(info.id, info.model, info.firmware, position, errors)
