"""The `[safety]` table of a robot TOML: what a user may tighten in the safety envelope."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from drivers.arm import ARM_JOINTS

ESTOP_ACTIONS = ("hold", "torque_off")
ARM_KEYS = ("range", "speed", "gripper_effort_limit")
TOP_KEYS = (
    "watchdog_s",
    "estop_action",
    "gripper_effort_limit",
    "allow_uncalibrated",
    "out_of_range_ticks",
)


@dataclass(frozen=True)
class ArmLimits:
    """One arm's narrowed ranges and lowered speeds, by joint name."""

    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)  # radians
    speeds: dict[str, float] = field(default_factory=dict)  # rad/s; gripper: openings per second
    gripper_effort_limit: float | None = None  # mA; None = the [safety] value


@dataclass(frozen=True)
class SafetySettings:
    """What the robot's TOML asks of the safety layer; None = the built-in default."""

    watchdog_s: float | None = None  # no fresh action for this long: the arm holds
    estop_action: str | None = None  # "hold" or "torque_off"; None = the arms' safe_state
    gripper_effort_limit: float | None = None  # above this |current| (mA) a gripper stops closing
    allow_uncalibrated: bool = False  # policy mode on arms without a calibration file
    out_of_range_ticks: int | None = None  # policy targets outside the ranges this long: stop
    arms: dict[str, ArmLimits] = field(default_factory=dict)  # by role, "follower_left", ...


def parse_safety(table: Any, where: str, roles: tuple[str, ...]) -> SafetySettings:
    """The `[safety]` table, checked; every bad value is a ValueError of one line."""
    if not isinstance(table, dict):
        raise ValueError(f"{where}: [safety] must be a table")
    unknown = sorted(set(table) - set(TOP_KEYS) - set(roles))
    if unknown:
        known = ", ".join((*TOP_KEYS, *roles))
        raise ValueError(
            f"{where}: unknown key(s) {', '.join(unknown)} in [safety] (known: {known})"
        )
    top = {key: table[key] for key in TOP_KEYS if key in table}
    for key in ("watchdog_s", "gripper_effort_limit"):
        if key in top:
            top[key] = _positive(top[key], f"{where}: [safety] {key}")
    if "estop_action" in top and top["estop_action"] not in ESTOP_ACTIONS:
        raise ValueError(f"{where}: [safety] estop_action must be one of {ESTOP_ACTIONS}")
    if "allow_uncalibrated" in top and not isinstance(top["allow_uncalibrated"], bool):
        raise ValueError(f"{where}: [safety] allow_uncalibrated must be true or false")
    if "out_of_range_ticks" in top:
        ticks = top["out_of_range_ticks"]
        if isinstance(ticks, bool) or not isinstance(ticks, int) or not 1 <= ticks <= 500:
            raise ValueError(f"{where}: [safety] out_of_range_ticks must be an integer 1..500")
    arms = {role: _arm(table[role], f"{where}: [safety.{role}]") for role in roles if role in table}
    return SafetySettings(**top, arms=arms)


def _arm(table: Any, where: str) -> ArmLimits:
    if not isinstance(table, dict):
        raise ValueError(f"{where} must be a table")
    unknown = sorted(set(table) - set(ARM_KEYS))
    if unknown:
        raise ValueError(
            f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(ARM_KEYS)})"
        )
    ranges = {}
    for joint, pair in _joints(table.get("range", {}), f"{where} range", ARM_JOINTS[:-1]).items():
        if not (isinstance(pair, list | tuple) and len(pair) == 2):
            raise ValueError(f"{where} range.{joint} must be [lower, upper] in radians")
        lo, hi = (_number(value, f"{where} range.{joint}") for value in pair)
        if lo >= hi:
            raise ValueError(f"{where} range.{joint}: lower {lo} is not below upper {hi}")
        ranges[joint] = (lo, hi)
    speeds = {
        joint: _positive(value, f"{where} speed.{joint}")
        for joint, value in _joints(table.get("speed", {}), f"{where} speed", ARM_JOINTS).items()
    }
    effort = table.get("gripper_effort_limit")
    if effort is not None:
        effort = _positive(effort, f"{where} gripper_effort_limit")
    return ArmLimits(ranges, speeds, effort)


def _joints(table: Any, where: str, known: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ValueError(f"{where} must be a table of joint = value")
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise ValueError(
            f"{where}: unknown joint(s) {', '.join(unknown)} (known: {', '.join(known)})"
        )
    return table


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{where} must be a finite number, not {value!r}")
    return float(value)


def _positive(value: Any, where: str) -> float:
    number = _number(value, where)
    if number <= 0:
        raise ValueError(f"{where} must be positive, not {value!r}")
    return number


def check_within(settings: SafetySettings, limits: dict[str, dict[str, Any]], where: str) -> None:
    """A user may narrow a range or lower a speed, never go past the arm model's own.

    `limits`: role -> joint -> the model's JointLimit (lo, hi, speed).
    """
    for role, arm in settings.arms.items():
        own = limits[role]
        for joint, (lo, hi) in arm.ranges.items():
            if lo < own[joint].lo - 1e-9 or hi > own[joint].hi + 1e-9:
                raise ValueError(
                    f"{where}: [safety.{role}] range.{joint} [{lo:g}, {hi:g}] is wider than the "
                    f"arm's own [{own[joint].lo:g}, {own[joint].hi:g}] rad: ranges may only narrow"
                )
        for joint, speed in arm.speeds.items():
            if speed > own[joint].speed + 1e-9:
                raise ValueError(
                    f"{where}: [safety.{role}] speed.{joint} {speed:g} is above the servo's "
                    f"rated {own[joint].speed:.3g}: speed limits may only go down"
                )
