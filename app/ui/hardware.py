"""The Hardware tab's reach into `drivers`: device lists, servo health, config file, calibration."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.ui.training import CLI_BOOTSTRAP

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ARM_ROLES = ("follower_left", "follower_right", "leader_left", "leader_right")
CAMERA_ROLES = ("cam_high", "cam_low", "cam_left_wrist", "cam_right_wrist")
HEADER = "# pi0 Studio robot config, written by the Hardware tab (see drivers/aloha_example.toml)\n"


@dataclass(frozen=True)
class PortRow:
    """A serial port and the servos that answered on it."""

    device: str  # the stable /dev/serial/by-id path when there is one
    serial: str
    servos: str  # "1:XM540-W270, 2:..." or why none


@dataclass(frozen=True)
class CameraRow:
    """A camera and the config entry that opens it."""

    label: str
    device: str
    spec: dict[str, str]  # e.g. {"type": "opencv", "device": "/dev/v4l/by-id/..."}


@dataclass(frozen=True)
class ServoHealth:
    """Temperature and hardware errors of one servo."""

    arm: str
    joint: str
    id: int
    temperature_c: int | None  # None when it did not answer
    errors: tuple[str, ...]


def devices_command() -> tuple[list[str], str]:
    """Arguments (after the Python executable) of `main.py devices --json`, and a label."""
    return ["-c", CLI_BOOTSTRAP, "devices", "--json"], "main.py devices --json"


def parse_devices(output: str) -> tuple[list[PortRow], list[CameraRow]]:
    """Ports and cameras from the JSON object on the last line of `devices --json`."""
    lines = [line for line in output.strip().splitlines() if line.startswith("{")]
    if not lines:
        raise ValueError("`devices --json` printed no JSON result")
    found = json.loads(lines[-1])
    ports = []
    for port in found.get("ports", []):
        servos = ", ".join(f"{s['id']}:{s['model']}" for s in port.get("servos", []))
        if port.get("usb") is False:
            servos = "not scanned (not a USB serial adapter)"
        ports.append(
            PortRow(
                device=port.get("by_id") or port.get("device", ""),
                serial=port.get("serial_number", ""),
                servos=servos or port.get("error", "") or "no servos",
            )
        )
    cameras = [
        CameraRow(camera.get("label", ""), camera.get("device", ""), _camera_spec(camera))
        for camera in found.get("cameras", [])
    ]
    return ports, cameras


def _camera_spec(camera: dict[str, Any]) -> dict[str, str]:
    from drivers.cameras.discovery import CameraInfo

    known = {key: str(camera.get(key, "")) for key in ("kind", "device", "label", "node", "serial")}
    return CameraInfo(**known).spec()


def robot_config_text(
    ports: dict[str, str], cameras: dict[str, dict[str, Any]], base: str | Path | None = None
) -> str:
    """A robot TOML with these roles, keeping [robot] and [arms] of `base` (or the example)."""
    from drivers.aloha_config import EXAMPLE

    base_path = Path(base).expanduser() if base and Path(base).expanduser().is_file() else EXAMPLE
    data = tomllib.loads(base_path.read_text())
    sections = [_table("robot", data.get("robot", {}))]
    sections.append(_table("ports", ports))
    for role, extra in data.get("arms", {}).items():
        sections.append(_table(f"arms.{role}", extra))
    for name, spec in cameras.items():
        sections.append(_table(f"cameras.{name}", spec))
    text = HEADER + "\n".join(sections)
    check_robot_config(text)
    return text


def check_robot_config(text: str) -> None:
    """Raise ValueError with the driver's message when the config would not load."""
    from drivers.aloha_config import parse_aloha_config

    parse_aloha_config(tomllib.loads(text), source="the new config")


def _table(name: str, values: dict[str, Any]) -> str:
    lines = [f"[{name}]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    raise TypeError(f"cannot write {type(value).__name__} to the robot config")


def dynamixel_arms(robot: Any) -> dict[str, Any]:
    """Role -> arm, for the arms driven over a Dynamixel bus (virtual or real)."""
    arms = {}
    for group, prefix in ((robot.followers, "follower"), (robot.leaders, "leader")):
        for side, arm in group.items():
            if hasattr(arm, "bus") and hasattr(arm, "spec"):
                arms[f"{prefix}_{side}"] = arm
    return arms


def read_servo_health(robot: Any) -> list[ServoHealth]:
    """Temperature and error flags of every answering servo. Blocking: not on the GUI thread."""
    from drivers.dynamixel.control_table import describe_hardware_error

    health = []
    for role, arm in dynamixel_arms(robot).items():
        if not arm.is_connected:
            continue
        ids = list(arm.spec.primary_ids)
        try:
            temperatures = arm.bus.sync_read(("Present_Temperature",), ids)
            errors = arm.bus.sync_read(("Hardware_Error_Status",), ids)
        except Exception as exc:  # a silent chain is itself the finding
            health.append(ServoHealth(role, "(bus)", 0, None, (str(exc),)))
            continue
        for servo in arm.spec.primaries:
            status = errors.get(servo.id, {}).get("Hardware_Error_Status", 0)
            temperature = temperatures.get(servo.id, {}).get("Present_Temperature")
            flags = tuple(describe_hardware_error(status))
            health.append(ServoHealth(role, servo.joint, servo.id, temperature, flags))
    return health


def calibration_path(arm: Any) -> Path:
    """Where the arm's calibration is kept: its config's file, else the default folder."""
    from drivers.aloha_config import DEFAULT_CALIBRATION_DIR

    configured = getattr(arm.config, "calibration", None)
    return Path(configured or Path(DEFAULT_CALIBRATION_DIR) / f"{arm.name}.json")


def save_arm_calibration(arm: Any, path: str | Path) -> Path:
    """Read the calibration registers of `arm` and save them to `path`. Blocking."""
    from drivers.dynamixel.calibration import read_calibration, save_calibration

    return save_calibration(read_calibration(arm.bus, arm.spec, arm.name), path)
