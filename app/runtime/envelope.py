"""The safety envelope of a robot: per joint, the range and speed no command may exceed."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from drivers.arm import ARM_JOINTS, Arm
from drivers.dynamixel.aloha_spec import VIPERX_300_6DOF
from drivers.dynamixel.arm_limits import JointLimit, calibrated_range, model_limits
from drivers.dynamixel.calibration import ArmCalibration, load_calibration
from drivers.dynamixel.gripper import get_gripper_profile
from drivers.dynamixel.units import radians_to_ticks
from drivers.robot import SIDES, Robot
from drivers.safety_settings import ArmLimits

SIM_GRIPPER_PROFILE = "aloha2"  # the simulator's grippers are normalised like ALOHA 2's
SAME_RAD = 1e-4  # bounds closer than this to the present ones do not narrow them
MAX_TICKS = 4095


@dataclass(frozen=True)
class JointEnvelope:
    """The 14 joints' limits (left arm, then right) with the source of every number."""

    names: tuple[str, ...]  # "left_waist", ..., "right_gripper"
    limits: tuple[JointLimit, ...]

    @property
    def lo(self) -> np.ndarray:
        """(14,) lower limits: radians, grippers normalised."""
        return np.array([limit.lo for limit in self.limits], np.float32)

    @property
    def hi(self) -> np.ndarray:
        """(14,) upper limits."""
        return np.array([limit.hi for limit in self.limits], np.float32)

    @property
    def speed(self) -> np.ndarray:
        """(14,) speed limits: rad/s, grippers in openings per second."""
        return np.array([limit.speed for limit in self.limits], np.float32)

    def rows(self) -> list[dict]:
        """One JSON-ready dict per joint, ranges in radians and servo ticks."""
        rows = []
        for name, limit in zip(self.names, self.limits, strict=True):
            gripper = name.endswith("gripper")
            rows.append(
                {
                    "joint": name,
                    "lo": round(limit.lo, 5),
                    "hi": round(limit.hi, 5),
                    "unit": "normalised" if gripper else "rad",
                    "lo_ticks": None if gripper else _ticks(limit.lo),
                    "hi_ticks": None if gripper else _ticks(limit.hi),
                    "speed": round(limit.speed, 4),
                    "speed_unit": "openings/s" if gripper else "rad/s",
                    "range_source": limit.range_source,
                    "speed_source": limit.speed_source,
                }
            )
        return rows


def envelope_for(robot: Robot) -> JointEnvelope:
    """The envelope of `robot`'s followers: the arm model's URDF ranges and rated servo speeds,
    narrowed by the calibration, the simulator's own limits and the config's [safety] table."""
    names, limits = [], []
    sim = getattr(robot, "sim", None) or robot.physics
    sim_limits = sim.joint_limits() if callable(getattr(sim, "joint_limits", None)) else None
    for index, side in enumerate(SIDES):
        arm = robot.followers[side]
        own = _arm_limits(arm)
        calibration = _calibration(arm)
        user = robot.safety.arms.get(f"follower_{side}", ArmLimits())
        for joint_index, joint in enumerate(ARM_JOINTS):
            limit = own[joint]
            if calibration is not None:
                limit = _narrow(limit, calibrated_range(calibration[0], joint), calibration[1])
            if sim_limits is not None:
                at = index * len(ARM_JOINTS) + joint_index
                limit = _narrow(limit, (sim_limits[0][at], sim_limits[1][at]), "simulator")
            limit = _narrow(limit, user.ranges.get(joint), "[safety] config")
            if joint in user.speeds and user.speeds[joint] < limit.speed:
                limit = replace(limit, speed=user.speeds[joint], speed_source="[safety] config")
            names.append(f"{side}_{joint}")
            limits.append(limit)
    return JointEnvelope(tuple(names), tuple(limits))


def _arm_limits(arm: Arm) -> dict[str, JointLimit]:
    # Real and virtual arms know their model; the simulator's arms are ViperX 300 s scenes.
    spec = getattr(arm, "spec", None) or VIPERX_300_6DOF
    profile = getattr(arm, "profile", None) or get_gripper_profile(SIM_GRIPPER_PROFILE)
    return model_limits(spec, profile.span("follower"))


def _calibration(arm: Arm) -> tuple[ArmCalibration, str] | None:
    """The arm's position-limit registers once connected, else its calibration file, if any."""
    if getattr(arm, "calibration", None) is not None:
        return arm.calibration, "calibration (servo registers)"
    path = getattr(getattr(arm, "config", None), "calibration", None)
    if path and Path(path).expanduser().is_file():
        return load_calibration(path), f"calibration file {Path(path).name}"
    return None


def _narrow(limit: JointLimit, bounds: tuple[float, float] | None, source: str) -> JointLimit:
    """`limit` with its range intersected with `bounds`, the source naming what narrowed it."""
    if bounds is None:
        return limit
    lo, hi = max(limit.lo, float(bounds[0])), min(limit.hi, float(bounds[1]))
    if abs(lo - limit.lo) < SAME_RAD and abs(hi - limit.hi) < SAME_RAD:
        return limit  # the same numbers (the simulator keeps them in float32)
    if lo >= hi:
        raise ValueError(
            f"{source} leaves no range: [{bounds[0]:g}, {bounds[1]:g}] does not overlap "
            f"[{limit.lo:g}, {limit.hi:g}] (check the calibration)"
        )
    return replace(limit, lo=lo, hi=hi, range_source=source)


def _ticks(radians: float) -> int:
    """The Goal_Position for an angle, within one turn of the servo."""
    return int(np.clip(radians_to_ticks(radians), 0, MAX_TICKS))
