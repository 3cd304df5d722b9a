"""The X-series control table (ROBOTIS e-Manual, Protocol 2.0) and the models we know."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Register:
    """One item of the control table."""

    name: str
    address: int
    size: int  # bytes: 1, 2 or 4, little-endian
    writable: bool = True
    eeprom: bool = False  # EEPROM items can only be written while torque is off
    signed: bool = False


def _table(*registers: Register) -> dict[str, Register]:
    return {register.name: register for register in registers}


def _eeprom(name: str, address: int, size: int, writable: bool = True, signed: bool = False):
    return Register(name, address, size, writable=writable, eeprom=True, signed=signed)


def _ram(name: str, address: int, size: int, writable: bool = True, signed: bool = False):
    return Register(name, address, size, writable=writable, signed=signed)


# Addresses shared by XM430, XM540, XL430, XC430 (firmware 2.x control tables).
X_SERIES = _table(
    _eeprom("Model_Number", 0, 2, writable=False),
    _eeprom("Model_Information", 2, 4, writable=False),
    _eeprom("Firmware_Version", 6, 1, writable=False),
    _eeprom("ID", 7, 1),
    _eeprom("Baud_Rate", 8, 1),
    _eeprom("Return_Delay_Time", 9, 1),  # units of 2 us
    _eeprom("Drive_Mode", 10, 1),  # bit 0: reverse direction
    _eeprom("Operating_Mode", 11, 1),
    _eeprom("Secondary_ID", 12, 1),  # 255 = none; a shadow servo listens on its primary's ID
    _eeprom("Protocol_Type", 13, 1),
    _eeprom("Homing_Offset", 20, 4, signed=True),
    _eeprom("Moving_Threshold", 24, 4),
    _eeprom("Temperature_Limit", 31, 1),
    _eeprom("Max_Voltage_Limit", 32, 2),
    _eeprom("Min_Voltage_Limit", 34, 2),
    _eeprom("PWM_Limit", 36, 2),
    _eeprom("Current_Limit", 38, 2),  # current-sensing models only
    _eeprom("Velocity_Limit", 44, 4),
    _eeprom("Max_Position_Limit", 48, 4),
    _eeprom("Min_Position_Limit", 52, 4),
    _eeprom("Shutdown", 63, 1),  # which hardware errors turn torque off
    _ram("Torque_Enable", 64, 1),
    _ram("LED", 65, 1),
    _ram("Status_Return_Level", 68, 1),
    _ram("Registered_Instruction", 69, 1, writable=False),
    _ram("Hardware_Error_Status", 70, 1, writable=False),
    _ram("Velocity_I_Gain", 76, 2),
    _ram("Velocity_P_Gain", 78, 2),
    _ram("Position_D_Gain", 80, 2),
    _ram("Position_I_Gain", 82, 2),
    _ram("Position_P_Gain", 84, 2),
    _ram("Feedforward_2nd_Gain", 88, 2),
    _ram("Feedforward_1st_Gain", 90, 2),
    _ram("Bus_Watchdog", 98, 1),
    _ram("Goal_PWM", 100, 2, signed=True),
    _ram("Goal_Current", 102, 2, signed=True),  # current-sensing models only
    _ram("Goal_Velocity", 104, 4, signed=True),
    _ram("Profile_Acceleration", 108, 4),
    _ram("Profile_Velocity", 112, 4),
    _ram("Goal_Position", 116, 4, signed=True),
    _ram("Realtime_Tick", 120, 2, writable=False),
    _ram("Moving", 122, 1, writable=False),
    _ram("Moving_Status", 123, 1, writable=False),
    _ram("Present_PWM", 124, 2, writable=False, signed=True),
    # Present_Current on current-sensing models, Present_Load (0.1 %) on XL430/XC430.
    _ram("Present_Current", 126, 2, writable=False, signed=True),
    _ram("Present_Velocity", 128, 4, writable=False, signed=True),
    _ram("Present_Position", 132, 4, writable=False, signed=True),
    _ram("Velocity_Trajectory", 136, 4, writable=False, signed=True),
    _ram("Position_Trajectory", 140, 4, writable=False, signed=True),
    _ram("Present_Input_Voltage", 144, 2, writable=False),
    _ram("Present_Temperature", 146, 1, writable=False),
)
TABLE_SIZE = 147  # bytes up to and including Present_Temperature
EEPROM_END = 64  # addresses below this are EEPROM
CURRENT_ONLY = ("Current_Limit", "Goal_Current")  # absent on models without current sensing

# One sync read per control cycle covers this contiguous block (126..135).
STATE_BLOCK = ("Present_Current", "Present_Velocity", "Present_Position")

# Operating_Mode values.
CURRENT_MODE = 0
VELOCITY_MODE = 1
POSITION_MODE = 3
EXTENDED_POSITION_MODE = 4
CURRENT_BASED_POSITION_MODE = 5
PWM_MODE = 16

# Baud_Rate register value -> bits per second.
BAUD_RATES = {0: 9600, 1: 57600, 2: 115200, 3: 1_000_000, 4: 2_000_000, 5: 3_000_000, 6: 4_000_000}

# Hardware_Error_Status bit -> what it means, in words.
HARDWARE_ERROR_BITS = {
    0: "input voltage error",
    2: "overheating",
    3: "motor encoder error",
    4: "electrical shock",
    5: "overload",
}


@dataclass(frozen=True)
class ServoModel:
    """A Dynamixel model and the units of its current register."""

    name: str
    number: int  # Model_Number register
    current_unit_ma: float | None  # mA per Present_Current unit; None = register holds load
    current_limit: int = 0  # factory Current_Limit (units), 0 without current sensing
    no_load_rpm: float | None = None  # rated no-load speed at 12 V (e-Manual); None = not known

    @property
    def rated_speed_rad_s(self) -> float | None:
        """The rated no-load speed in rad/s: no command may ask the joint to move faster."""
        return None if self.no_load_rpm is None else self.no_load_rpm * 2 * math.pi / 60


MODELS = {
    model.number: model
    for model in (
        ServoModel("XM430-W350", 1020, 2.69, 1193, no_load_rpm=46),
        ServoModel("XM430-W210", 1030, 2.69, 1193),
        ServoModel("XM540-W270", 1120, 2.69, 2047, no_load_rpm=30),
        ServoModel("XM540-W150", 1130, 2.69, 2047, no_load_rpm=53),
        ServoModel("XL430-W250", 1060, None, no_load_rpm=61),
        ServoModel("XC430-W150", 1070, None, no_load_rpm=106),
        ServoModel("XC430-W240", 1080, None, no_load_rpm=70),
        ServoModel("XL330-M288", 1200, 1.0, 1750),
        ServoModel("XL330-M077", 1190, 1.0, 1750),
    )
}
MODELS_BY_NAME = {model.name: model for model in MODELS.values()}


def model_name(number: int) -> str:
    """The model's name, or `unknown (N)` for a model number not in MODELS."""
    model = MODELS.get(number)
    return model.name if model else f"unknown ({number})"


def get_register(name: str) -> Register:
    """The register called `name`; a clear error lists close names on a typo."""
    try:
        return X_SERIES[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, X_SERIES, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise KeyError(f"no register {name!r} in the X-series control table{hint}") from None


def block_span(names: tuple[str, ...]) -> tuple[int, int]:
    """(start address, length) of registers that must lie back to back in the table."""
    registers = sorted((get_register(name) for name in names), key=lambda r: r.address)
    for before, after in zip(registers, registers[1:], strict=False):
        if before.address + before.size != after.address:
            raise ValueError(f"{before.name} and {after.name} are not contiguous")
    return registers[0].address, registers[-1].address + registers[-1].size - registers[0].address


def decode(register: Register, raw: bytes | list[int]) -> int:
    """The integer value of a register from its little-endian bytes."""
    return int.from_bytes(bytes(raw[: register.size]), "little", signed=register.signed)


def encode(register: Register, value: int) -> bytes:
    """The little-endian bytes of a register value (two's complement when signed)."""
    return int(value).to_bytes(register.size, "little", signed=register.signed)


def describe_hardware_error(status: int) -> list[str]:
    """The Hardware_Error_Status bits that are set, in words."""
    return [text for bit, text in HARDWARE_ERROR_BITS.items() if status & (1 << bit)]
