"""The TOML config of a real ALOHA: serial ports and cameras by role, calibration, safe state."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from drivers.camera import CAMERA_NAMES
from drivers.dynamixel.aloha_spec import get_arm_model
from drivers.dynamixel.arm_config import ArmConfig
from drivers.dynamixel.arm_limits import model_limits
from drivers.dynamixel.gripper import get_gripper_profile
from drivers.safety_settings import SafetySettings, check_within, parse_safety

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ARM_ROLES = ("follower_left", "follower_right", "leader_left", "leader_right")
EXAMPLE = Path(__file__).with_name("aloha_example.toml")
DEFAULT_CALIBRATION_DIR = "~/.config/pi0studio/calibration"

# [robot] key -> ArmConfig field it sets for every arm (an [arms.<role>] table overrides it).
_ROBOT_TO_ARM = {
    "baud": "baud",
    "gripper_profile": "gripper_profile",
    "safe_state": "safe_state",
    "calibration_policy": "calibration_policy",
    "follower_gripper_current_limit_ma": "gripper_current_limit_ma",
    "leader_gripper_spring": "leader_gripper_spring",
    "max_attempts": "max_attempts",
}


@dataclass(frozen=True)
class AlohaConfig:
    """Arms by role (two followers, optionally two leaders) and camera specs by name."""

    arms: dict[str, ArmConfig]  # role -> arm
    cameras: dict[str, dict[str, Any]] = field(default_factory=dict)  # for make_camera
    source: str = ""  # the file it came from, for messages
    safety: SafetySettings = field(default_factory=SafetySettings)  # the [safety] table

    def __post_init__(self) -> None:
        missing = [role for role in ("follower_left", "follower_right") if role not in self.arms]
        if missing:
            raise ValueError(f"{self.source or 'config'}: [ports] needs {', '.join(missing)}")
        leaders = [role for role in ("leader_left", "leader_right") if role in self.arms]
        if len(leaders) == 1:
            raise ValueError(f"{self.source or 'config'}: give both leaders or neither")

    @property
    def followers(self) -> dict[str, ArmConfig]:
        """ "left"/"right" -> follower arm."""
        return {role.split("_")[1]: arm for role, arm in self.arms.items() if role[0] == "f"}

    @property
    def leaders(self) -> dict[str, ArmConfig]:
        """ "left"/"right" -> leader arm (empty without leaders)."""
        return {role.split("_")[1]: arm for role, arm in self.arms.items() if role[0] == "l"}


def load_aloha_config(path: str | Path) -> AlohaConfig:
    """Read and check a robot TOML file (see drivers/aloha_example.toml)."""
    path = Path(path).expanduser()
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from exc
    return parse_aloha_config(data, source=str(path))


def parse_aloha_config(data: dict[str, Any], source: str = "") -> AlohaConfig:
    """An AlohaConfig from parsed TOML; unknown keys are errors that list the known ones."""
    where = source or "config"
    _check_keys(where, "top level", data, {"robot", "ports", "arms", "cameras", "safety"})
    robot = data.get("robot", {})
    _check_keys(where, "[robot]", robot, {*_ROBOT_TO_ARM, "calibration_dir"})
    ports = data.get("ports", {})
    _check_keys(where, "[ports]", ports, set(ARM_ROLES))
    overrides = data.get("arms", {})
    _check_keys(where, "[arms]", overrides, set(ARM_ROLES))
    calibration_dir = Path(robot.get("calibration_dir", DEFAULT_CALIBRATION_DIR)).expanduser()
    shared = {_ROBOT_TO_ARM[key]: value for key, value in robot.items() if key in _ROBOT_TO_ARM}
    arm_fields = {f.name for f in fields(ArmConfig)} - {"name", "port"}
    arms = {}
    for role, port in ports.items():
        extra = overrides.get(role, {})
        _check_keys(where, f"[arms.{role}]", extra, arm_fields)
        options = {"calibration": str(calibration_dir / f"{role}.json")} | shared | extra
        try:
            arms[role] = ArmConfig(role, str(port), **options)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where}: {exc}") from None
    cameras = data.get("cameras", {})
    _check_keys(where, "[cameras]", cameras, set(CAMERA_NAMES))
    safety = parse_safety(data.get("safety", {}), where, tuple(arms))
    check_within(safety, {role: arm_model_limits(arm) for role, arm in arms.items()}, where)
    cameras = {name: dict(spec) for name, spec in cameras.items()}
    return AlohaConfig(arms, cameras, source=where, safety=safety)


def arm_model_limits(arm: ArmConfig) -> dict:
    """Joint -> JointLimit of the arm's model, its gripper speed in its profile's units."""
    profile = get_gripper_profile(arm.gripper_profile)
    return model_limits(get_arm_model(arm.arm_model), profile.span(arm.role))


def _check_keys(where: str, section: str, table: Any, known: set[str]) -> None:
    if not isinstance(table, dict):
        raise ValueError(f"{where}: {section} must be a table")
    unknown = sorted(set(table) - known)
    if unknown:
        raise ValueError(
            f"{where}: unknown key(s) {', '.join(unknown)} in {section} "
            f"(known: {', '.join(sorted(known))})"
        )
