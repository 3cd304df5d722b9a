"""An arm model's own limits per joint: the URDF's ranges and the servos' rated speeds."""

from __future__ import annotations

from dataclasses import dataclass

from drivers.arm import ARM_JOINTS
from drivers.dynamixel.aloha_spec import ArmSpec
from drivers.dynamixel.calibration import ArmCalibration
from drivers.dynamixel.units import ticks_to_radians

GRIPPER_RANGE = (0.0, 1.0)  # normalised: closed .. open
FALLBACK_SPEED = 3.0  # rad/s where a servo's rated speed is not known (below every X-series')


@dataclass(frozen=True)
class JointLimit:
    """One joint's range and speed limit, and where each number comes from."""

    lo: float  # radians (gripper: normalised opening)
    hi: float
    speed: float  # rad/s (gripper: openings per second)
    range_source: str
    speed_source: str


def model_limits(spec: ArmSpec, gripper_span_rad: float) -> dict[str, JointLimit]:
    """Per joint of `spec`: the URDF range and the rated no-load speed of its servo.

    `gripper_span_rad`: the gripper servo's travel from closed to open, which turns its speed
    into openings per second.
    """
    limits = {}
    for joint in ARM_JOINTS:
        rated = spec.rated_speed(joint)
        speed, speed_source = (
            (rated, f"{_servo(spec, joint)} rated speed")
            if rated is not None
            else (FALLBACK_SPEED, f"default ({_servo(spec, joint)} speed unknown)")
        )
        if joint == "gripper":
            limits[joint] = JointLimit(
                *GRIPPER_RANGE, speed / abs(gripper_span_rad), "normalised gripper", speed_source
            )
        else:
            lo, hi = spec.ranges[joint]
            limits[joint] = JointLimit(lo, hi, speed, f"{spec.name} URDF", speed_source)
    return limits


def calibrated_range(calibration: ArmCalibration, joint: str) -> tuple[float, float] | None:
    """The joint's position-limit registers in radians (None for the gripper or no entry)."""
    servo = calibration.servos.get(joint)
    if servo is None or joint == "gripper":
        return None
    return float(ticks_to_radians(servo.min_position)), float(ticks_to_radians(servo.max_position))


def _servo(spec: ArmSpec, joint: str) -> str:
    return next(servo.model for servo in spec.primaries if servo.joint == joint)
