"""Opening a Dynamixel serial port with dynamixel-sdk, with errors that say how to fix them."""

from __future__ import annotations

import logging
import os
import select
from pathlib import Path

from dynamixel_sdk import PortHandler

from drivers.dynamixel.errors import (
    DIALOUT_HINT,
    LATENCY_HINT,
    PortError,
    PortNotFoundError,
    PortPermissionError,
)

log = logging.getLogger(__name__)

SYSFS_USB_SERIAL = Path("/sys/bus/usb-serial/devices")


class WaitingPortHandler(PortHandler):
    """dynamixel-sdk's PortHandler, but a read waits in select() instead of spinning.

    The SDK polls a non-blocking read until its packet timeout; waiting on the file descriptor
    instead frees the CPU (and the GIL) for other threads, which matters on small machines.
    """

    min_timeout_ms = 0.0  # a floor under the SDK's reply timeout (a virtual bus on a busy machine)

    def setPacketTimeout(self, packet_length: int) -> None:  # noqa: N802 (SDK method name)
        super().setPacketTimeout(packet_length)
        self.packet_timeout = max(self.packet_timeout, self.min_timeout_ms)

    def readPort(self, length: int) -> bytes:  # noqa: N802 (SDK method name)
        if self.ser.in_waiting == 0:
            remaining_ms = self.packet_timeout - self.getTimeSinceStart()
            if remaining_ms > 0:
                select.select([self.ser.fileno()], [], [], min(remaining_ms, 50.0) / 1000.0)
        return self.ser.read(length)


def open_port(path: str, baud: int, min_timeout_ms: float = 0.0) -> WaitingPortHandler:
    """An open port at `baud`; raises a PortError that suggests the fix on failure.

    `min_timeout_ms`: wait at least this long for a reply (the SDK waits about 34 ms).
    """
    if not os.path.exists(path):
        raise PortNotFoundError(
            "port does not exist; is the USB adapter plugged in? "
            "`python main.py devices` lists the serial ports",
            port=path,
        )
    if not os.access(path, os.R_OK | os.W_OK):
        raise PortPermissionError(f"permission denied; {DIALOUT_HINT}", port=path)
    handler = WaitingPortHandler(path)
    handler.min_timeout_ms = min_timeout_ms
    try:
        opened = handler.setBaudRate(baud)
    except PermissionError as exc:
        raise PortPermissionError(f"permission denied; {DIALOUT_HINT}", port=path) from exc
    except Exception as exc:  # pyserial raises SerialException/OSError with the OS reason
        raise PortError(f"cannot open port: {exc}", port=path) from exc
    if not opened:
        raise PortError(f"baud rate {baud} is not supported by dynamixel-sdk", port=path)
    warn_if_latency_high(path)
    return handler


def latency_timer_ms(path: str) -> tuple[str, int] | None:
    """(ttyUSBn, latency timer in ms) of an FTDI USB serial port, None for other ports."""
    tty = Path(os.path.realpath(path)).name
    timer = SYSFS_USB_SERIAL / tty / "latency_timer"
    try:
        return tty, int(timer.read_text().strip())
    except (OSError, ValueError):
        return None


def warn_if_latency_high(path: str) -> None:
    """Log how to fix a USB latency timer above 1 ms (16 ms by default), which slows every read."""
    timer = latency_timer_ms(path)
    if timer and timer[1] > 1:
        tty, value = timer
        log.warning("%s: USB latency timer is %d ms; %s", path, value, latency_hint(tty))


def latency_hint(tty: str) -> str:
    """The sentence that tells how to set the latency timer of `tty` to 1 ms."""
    return LATENCY_HINT.format(tty=tty)
