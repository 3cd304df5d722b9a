"""Named Dynamixel failures; each message says which port, which servo and joint, and what."""

from __future__ import annotations

from drivers.errors import DeviceError

# Protocol 2.0 status-packet error numbers (bits 0-6 of the error byte).
PACKET_ERRORS = {
    1: "result fail",
    2: "instruction error",
    3: "CRC error",
    4: "data range error",
    5: "data length error",
    6: "data limit error",
    7: "access error (read-only, or EEPROM while torque is on)",
}
ALERT_BIT = 0x80

DIALOUT_HINT = (
    "add yourself to the dialout group (sudo usermod -aG dialout $USER), then log out and in"
)
LATENCY_HINT = (
    "set the USB latency timer to 1 ms "
    "(echo 1 | sudo tee /sys/bus/usb-serial/devices/{tty}/latency_timer)"
)


class DynamixelError(DeviceError):
    """A failure on one Dynamixel port, optionally about one servo."""

    def __init__(
        self, what: str, *, port: str, servo_id: int | None = None, joint: str | None = None
    ) -> None:
        self.what = what
        self.port = port
        self.servo_id = servo_id
        self.joint = joint
        super().__init__(self._message())

    def _message(self) -> str:
        where = self.port
        if self.servo_id is not None:
            where += f": servo {self.servo_id}" + (f" ({self.joint})" if self.joint else "")
        return f"{where}: {self.what}"

    def with_note(self, note: str) -> DynamixelError:
        """The same error with `note` appended to its message (e.g. that the arm was stopped)."""
        self.what = f"{self.what}; {note}"
        self.args = (self._message(),)
        return self


class PortError(DynamixelError):
    """The serial port could not be opened or used."""


class PortNotFoundError(PortError):
    """The serial port does not exist (unplugged, or a wrong path)."""


class PortPermissionError(PortError):
    """The user may not open the serial port."""


class ServoTimeoutError(DynamixelError):
    """A servo did not answer (powered off, wrong ID or baud rate, cable, or too slow)."""


class ServoCorruptReplyError(DynamixelError):
    """A servo's reply was garbled (bad CRC, cut short)."""


class ServoStatusError(DynamixelError):
    """A servo answered with an error number in its status packet (e.g. access error)."""


class ServoHardwareError(DynamixelError):
    """A servo set its alert bit; `errors` names the Hardware_Error_Status bits."""

    def __init__(self, what: str, *, errors: list[str], **where: object) -> None:
        self.errors = errors
        super().__init__(what, **where)  # type: ignore[arg-type]


class ServoMissingError(DynamixelError):
    """An expected servo is not on the bus, or is not the expected model."""


class CalibrationMismatchError(DynamixelError):
    """The calibration file and the servo registers disagree; `differences` lists them."""

    def __init__(self, what: str, *, differences: list[str], **where: object) -> None:
        self.differences = differences
        super().__init__(what, **where)  # type: ignore[arg-type]
