"""Per-arm calibration saved as JSON: homing offsets, joint ranges and drive modes per servo."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from drivers.dynamixel.aloha_spec import ArmSpec
from drivers.dynamixel.bus import DynamixelBus

FORMAT = "pi0studio-dynamixel-calibration"
VERSION = 1

# Calibration field -> the register that holds it on the servo.
REGISTERS = {
    "homing_offset": "Homing_Offset",
    "drive_mode": "Drive_Mode",
    "min_position": "Min_Position_Limit",
    "max_position": "Max_Position_Limit",
}


@dataclass(frozen=True)
class ServoCalibration:
    """The calibration registers of one servo (ticks; drive mode bit 0 = reversed)."""

    id: int
    homing_offset: int = 0
    drive_mode: int = 0
    min_position: int = 0
    max_position: int = 4095

    def __post_init__(self) -> None:
        if self.min_position > self.max_position:
            raise ValueError(f"servo {self.id}: min_position is above max_position")


@dataclass(frozen=True)
class ArmCalibration:
    """Calibration of one arm, by joint name (shadow servos included)."""

    arm: str  # e.g. "follower_left"
    model: str  # e.g. "vx300s"
    servos: dict[str, ServoCalibration]

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        servos = {joint: asdict(servo) for joint, servo in self.servos.items()}
        return {"format": FORMAT, "version": VERSION, "arm": self.arm, "model": self.model,
                "servos": servos}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict) -> ArmCalibration:
        """The calibration in a dict written by `to_dict`."""
        if data.get("format") != FORMAT:
            raise ValueError("not a pi0 Studio Dynamixel calibration file")
        if data.get("version") != VERSION:
            raise ValueError(f"calibration version {data.get('version')} is not {VERSION}")
        servos = {joint: ServoCalibration(**fields) for joint, fields in data["servos"].items()}
        return cls(str(data["arm"]), str(data["model"]), servos)


def save_calibration(calibration: ArmCalibration, path: str | Path) -> Path:
    """Write the calibration as indented JSON; returns the path."""
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(calibration.to_dict(), indent=2) + "\n")
    return path


def load_calibration(path: str | Path) -> ArmCalibration:
    """Read a calibration file; a bad file raises ValueError naming it."""
    path = Path(path).expanduser()
    try:
        return ArmCalibration.from_dict(json.loads(path.read_text()))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: bad calibration file: {exc}") from exc


def read_calibration(bus: DynamixelBus, spec: ArmSpec, arm: str) -> ArmCalibration:
    """The calibration registers as they are now on the servos."""
    servos = {}
    for servo in spec.servos:
        fields = {field: bus.read(register, servo.id) for field, register in REGISTERS.items()}
        servos[servo.joint] = ServoCalibration(servo.id, **fields)
    return ArmCalibration(arm, spec.name, servos)


def write_calibration(bus: DynamixelBus, calibration: ArmCalibration) -> None:
    """Write the calibration registers (EEPROM: torque must be off)."""
    # Ascending IDs: a write to a primary also reaches its shadow, whose own write comes next.
    for servo in sorted(calibration.servos.values(), key=lambda s: s.id):
        for field, register in REGISTERS.items():
            bus.write(register, servo.id, getattr(servo, field))


def compare_calibration(expected: ArmCalibration, actual: ArmCalibration) -> list[str]:
    """One line per register where `actual` differs from `expected` (empty when they agree)."""
    differences = []
    for joint, want in expected.servos.items():
        have = actual.servos.get(joint)
        if have is None:
            differences.append(f"{joint}: not on this arm")
            continue
        for field, register in REGISTERS.items():
            if getattr(want, field) != getattr(have, field):
                differences.append(
                    f"{joint} (ID {want.id}) {register}: file {getattr(want, field)}, "
                    f"servo {getattr(have, field)}"
                )
    return differences
