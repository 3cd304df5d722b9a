"""One virtual X-series servo: its control table and the rules for reading and writing it."""

from __future__ import annotations

from dataclasses import dataclass

from drivers.dynamixel import control_table as ct
from drivers.virtual_bus import packets as pk

FIRMWARE_VERSION = 48  # what the virtual servos report in Firmware_Version

# Factory values of the EEPROM and RAM items we model; the rest start at 0.
FACTORY = {
    "Baud_Rate": 3,  # ALOHA chains run at 1 Mbps
    "Return_Delay_Time": 250,
    "Operating_Mode": ct.POSITION_MODE,
    "Secondary_ID": 255,
    "Protocol_Type": 2,
    "Moving_Threshold": 10,
    "Temperature_Limit": 80,
    "Max_Voltage_Limit": 160,
    "Min_Voltage_Limit": 95,
    "PWM_Limit": 885,
    "Velocity_Limit": 200,
    "Max_Position_Limit": 4095,
    "Min_Position_Limit": 0,
    "Shutdown": 0b110100,  # overload, electrical shock, overheating turn torque off
    "Status_Return_Level": 2,
    "Velocity_I_Gain": 1920,
    "Velocity_P_Gain": 100,
    "Position_P_Gain": 800,
    "Goal_PWM": 885,
    "Present_Input_Voltage": 120,
    "Present_Temperature": 30,
}
# RAM items that a reboot restores.
RAM_DEFAULTS = {name: value for name, value in FACTORY.items() if not ct.X_SERIES[name].eeprom} | {
    "Torque_Enable": 0,
    "LED": 0,
    "Hardware_Error_Status": 0,
}

_REGISTERS_BY_ADDRESS = {
    address: register
    for register in ct.X_SERIES.values()
    for address in range(register.address, register.address + register.size)
}


@dataclass
class Reply:
    """What a servo sends back: error byte and parameters (None = stays silent)."""

    error: int = 0
    params: bytes = b""


class VirtualServo:
    """A servo's memory; `physical` is its shaft angle in ticks before direction and offset."""

    def __init__(
        self, servo_id: int, model: ct.ServoModel, *, secondary_id: int = 255, drive_mode: int = 0
    ) -> None:
        self.model = model
        self.memory = bytearray(ct.TABLE_SIZE)
        for name, value in FACTORY.items():
            self.set(name, value)
        self.set("Model_Number", model.number)
        self.set("Firmware_Version", FIRMWARE_VERSION)
        self.set("ID", servo_id)
        self.set("Secondary_ID", secondary_id)
        self.set("Drive_Mode", drive_mode)
        self.set("Current_Limit", model.current_limit)
        self.set("Goal_Current", model.current_limit)
        self.physical = 2048.0  # shaft angle in ticks, 2048 = centre
        self.set("Goal_Position", self.present_ticks())
        self.set("Present_Position", self.present_ticks())

    @property
    def id(self) -> int:
        """The primary ID (the one it answers on)."""
        return self.get("ID")

    @property
    def secondary_id(self) -> int:
        """The ID it also obeys, silently (255 = none)."""
        return self.get("Secondary_ID")

    @property
    def torque(self) -> bool:
        """Torque_Enable."""
        return bool(self.get("Torque_Enable"))

    @property
    def baud(self) -> int:
        """The baud rate it listens at."""
        return ct.BAUD_RATES.get(self.get("Baud_Rate"), 57600)

    def get(self, name: str) -> int:
        """A register's value."""
        register = ct.X_SERIES[name]
        return ct.decode(register, self.memory[register.address :])

    def set(self, name: str, value: int) -> None:
        """Set a register directly, bypassing the write rules (the servo's own doing)."""
        register = ct.X_SERIES[name]
        self.memory[register.address : register.address + register.size] = ct.encode(
            register, int(value)
        )

    # -- direction and offset ----------------------------------------------------------------

    def _sign(self) -> int:
        return -1 if self.get("Drive_Mode") & 1 else 1

    def present_ticks(self) -> int:
        """Present_Position for the current shaft angle (direction, then homing offset)."""
        actual = self.physical if self._sign() > 0 else 4096 - self.physical
        return round(actual) + self.get("Homing_Offset")

    def goal_physical(self) -> float:
        """The shaft angle that Goal_Position asks for."""
        actual = self.get("Goal_Position") - self.get("Homing_Offset")
        return float(actual if self._sign() > 0 else 4096 - actual)

    def set_motion(self, physical: float, velocity_units: int = 0, current_units: int = 0) -> None:
        """Update the present registers from the shaft angle, velocity and current."""
        self.physical = physical
        self.set("Present_Position", self.present_ticks())
        self.set("Present_Velocity", self._sign() * velocity_units)
        self.set("Present_Current", max(-32768, min(32767, self._sign() * current_units)))

    # -- instructions ------------------------------------------------------------------------

    def read(self, address: int, length: int) -> Reply:
        """READ: bytes of the control table."""
        if length < 1 or address + length > len(self.memory):
            return Reply(pk.ERR_ACCESS)
        return Reply(self._alert(), bytes(self.memory[address : address + length]))

    def write(self, address: int, data: bytes) -> Reply:
        """WRITE: refuses read-only items, EEPROM with torque on, and out-of-range values."""
        error = self._check_write(address, data)
        if error:
            return Reply(error | self._alert())
        torque_on = address == ct.X_SERIES["Torque_Enable"].address and data[0]
        if torque_on and self.get("Shutdown") & self.get("Hardware_Error_Status"):
            return Reply(pk.ERR_RESULT_FAIL | self._alert())  # a shutdown error needs a reboot
        self.memory[address : address + len(data)] = data
        return Reply(self._alert())

    def reboot(self) -> Reply:
        """REBOOT: RAM back to defaults, hardware error cleared, torque off."""
        for name, value in RAM_DEFAULTS.items():
            self.set(name, value)
        self.set("Goal_Current", self.get("Current_Limit"))
        self.set("Goal_Position", self.present_ticks())
        return Reply()

    def raise_hardware_error(self, bit: int) -> None:
        """Set a Hardware_Error_Status bit; torque goes off if Shutdown says so."""
        self.set("Hardware_Error_Status", self.get("Hardware_Error_Status") | (1 << bit))
        if self.get("Shutdown") & (1 << bit):
            self.set("Torque_Enable", 0)

    def _alert(self) -> int:
        return pk.ALERT if self.get("Hardware_Error_Status") else 0

    def _modes(self) -> set[int]:
        modes = {ct.VELOCITY_MODE, ct.POSITION_MODE, ct.EXTENDED_POSITION_MODE, ct.PWM_MODE}
        if self.model.current_unit_ma is not None:
            modes |= {ct.CURRENT_MODE, ct.CURRENT_BASED_POSITION_MODE}
        return modes

    def _check_write(self, address: int, data: bytes) -> int:
        if not data or address + len(data) > len(self.memory):
            return pk.ERR_ACCESS
        touched = {_REGISTERS_BY_ADDRESS.get(a) for a in range(address, address + len(data))}
        if None in touched or any(not r.writable for r in touched if r):
            return pk.ERR_ACCESS
        if any(r.eeprom for r in touched if r) and self.torque:
            return pk.ERR_ACCESS
        if self.model.current_unit_ma is None and any(r.name in ct.CURRENT_ONLY for r in touched):
            return pk.ERR_ACCESS  # no current sensing: these items do not exist
        mode = ct.X_SERIES["Operating_Mode"]
        if mode in touched and data[mode.address - address] not in self._modes():
            return pk.ERR_DATA_RANGE
        goal = ct.X_SERIES["Goal_Position"]
        if goal in touched and self.get("Operating_Mode") in (
            ct.POSITION_MODE,
            ct.CURRENT_BASED_POSITION_MODE,
        ):
            end = goal.address + goal.size
            if address <= goal.address and address + len(data) >= end:
                value = ct.decode(goal, data[goal.address - address :])
                lo, hi = self.get("Min_Position_Limit"), self.get("Max_Position_Limit")
                if not lo <= value <= hi:
                    return pk.ERR_DATA_LIMIT
        return 0
