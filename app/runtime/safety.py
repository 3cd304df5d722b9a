"""The safety layer between every action source and the follower arms."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from drivers.arm import ARM_DOF, GRIPPERS
from drivers.safety_settings import ESTOP_ACTIONS

ROBOT_DOF = 2 * ARM_DOF
ARM_JOINTS_14 = np.array([i not in GRIPPERS for i in range(ROBOT_DOF)])  # the 12 arm joints
CLAMP_REPORTED = 0.005  # a limit moving a target less than this (rad or opening) is not counted
EffortLimit = float | tuple[float | None, float | None] | None  # one value, or (left, right)


@dataclass(frozen=True)
class SafetyConfig:
    """Limits applied to every action before it reaches the followers."""

    joint_lo: tuple[float, ...] | None = None  # (14,) lower limits; None = the robot's envelope
    joint_hi: tuple[float, ...] | None = None  # (14,) upper limits; None = the robot's envelope
    max_speed: tuple[float, ...] | None = None  # (14,) rad/s (grippers: openings/s); None = caps
    max_joint_step_rad: float = 0.15  # cap on a joint target's change per tick, whatever the speed
    max_gripper_step: float = 0.25  # cap on a normalised gripper target's change per tick
    gripper_effort_limit: EffortLimit = None  # above this |effort| a gripper may not close more
    watchdog_s: float = 0.1  # no fresh action for this long trips the watchdog (arm holds)
    estop_action: str = "hold"  # what e-stop and driver faults do: "hold" or "torque_off"
    allow_uncalibrated: bool = False  # policy mode on real arms without a calibration file
    out_of_range_ticks: int = 10  # policy targets outside the ranges this many ticks: hold, stop
    out_of_range_margin_rad: float = 0.05  # how far outside a target must be to count

    def __post_init__(self) -> None:
        if (self.joint_lo is None) != (self.joint_hi is None):
            raise ValueError("give both joint_lo and joint_hi, or neither")
        if self.joint_lo is not None and not len(self.joint_lo) == len(self.joint_hi) == ROBOT_DOF:
            raise ValueError(f"joint limits must have {ROBOT_DOF} values each")
        if self.max_speed is not None and (
            len(self.max_speed) != ROBOT_DOF or min(self.max_speed) <= 0
        ):
            raise ValueError(f"max_speed must have {ROBOT_DOF} positive values")
        if self.max_joint_step_rad <= 0 or self.max_gripper_step <= 0:
            raise ValueError("max_joint_step_rad and max_gripper_step must be positive")
        if self.watchdog_s <= 0:
            raise ValueError("watchdog_s must be positive")
        if self.estop_action not in ESTOP_ACTIONS:
            raise ValueError(
                f"estop_action must be one of {ESTOP_ACTIONS}, not {self.estop_action!r}"
            )
        if self.out_of_range_ticks < 1 or self.out_of_range_margin_rad < 0:
            raise ValueError("out_of_range_ticks must be >= 1 and the margin >= 0")

    def with_limits(self, lo: np.ndarray, hi: np.ndarray) -> SafetyConfig:
        """A copy with joint limits filled in."""
        return replace(self, joint_lo=tuple(map(float, lo)), joint_hi=tuple(map(float, hi)))

    def effort_limit(self, gripper: int) -> float | None:
        """The effort limit of gripper index `gripper` (6 = left, 13 = right)."""
        limit = self.gripper_effort_limit
        if isinstance(limit, tuple):
            return limit[GRIPPERS.index(gripper)]
        return limit


@dataclass(frozen=True)
class Filtered:
    """What the safety layer lets through for one tick."""

    action: np.ndarray  # (14,) the action to send
    refused: str | None = None  # why the proposed action was refused (the arm holds instead)
    clamped: tuple[str, ...] = ()  # limits that changed the action (joint, rate, gripper effort)
    clamped_joints: np.ndarray | None = None  # (14,) bool: the joints a limit changed
    beyond_range_rad: float = 0.0  # how far the proposal's worst arm joint lay outside its range


class SafetyLayer:
    """Clamps actions to limits and rate, refuses non-finite ones; remembers the last command."""

    def __init__(self, config: SafetyConfig, rate_hz: float = 50.0) -> None:
        self.config = config
        self.rate_hz = rate_hz
        self._lo = self._hi = None
        if config.joint_lo is not None:
            self._lo = np.asarray(config.joint_lo, np.float32)
            self._hi = np.asarray(config.joint_hi, np.float32)
        step = np.full(ROBOT_DOF, config.max_joint_step_rad, np.float32)
        step[list(GRIPPERS)] = config.max_gripper_step
        if config.max_speed is not None:  # the servos' speed, as a step per control tick
            step = np.minimum(step, np.asarray(config.max_speed, np.float32) / rate_hz)
        self.max_step = step  # (14,) largest change of a target per tick
        self.last_command: np.ndarray | None = None  # (14,) the last action let through

    def reset(self) -> None:
        """Forget the last command (after e-stop or idle the arm may have moved)."""
        self.last_command = None

    def filter(
        self, action: np.ndarray, qpos: np.ndarray, effort: np.ndarray | None = None
    ) -> Filtered:
        """The action to send: clamped to the limits, or the held position if refused."""
        reference = self.last_command if self.last_command is not None else qpos
        action = np.asarray(action, np.float32).reshape(-1)
        if action.shape != (ROBOT_DOF,):
            return Filtered(self._hold(reference), refused=f"action of shape {action.shape}")
        if not np.all(np.isfinite(action)):
            return Filtered(self._hold(reference), refused="non-finite action")
        safe = self.clip(action.copy())
        clamped = []
        beyond = float(np.abs(safe - action)[ARM_JOINTS_14].max())
        if _changed(safe, action):
            clamped.append("joint limit")
        stepped = np.clip(safe, reference - self.max_step, reference + self.max_step)
        if _changed(stepped, safe):
            clamped.append("rate limit")
        if effort is not None and self._grip_overloaded(stepped, qpos, effort):
            clamped.append("gripper effort limit")
        self.last_command = stepped
        changed = np.abs(stepped - action) > CLAMP_REPORTED
        return Filtered(stepped, clamped=tuple(clamped), clamped_joints=changed,
                        beyond_range_rad=beyond)  # fmt: skip

    def _grip_overloaded(self, command: np.ndarray, qpos: np.ndarray, effort: np.ndarray) -> bool:
        """Stop a gripper closing further while it pushes harder than the limit (in place)."""
        hit = False
        for g in GRIPPERS:
            limit = self.config.effort_limit(g)
            if limit is not None and abs(float(effort[g])) > limit and command[g] < qpos[g]:
                command[g] = qpos[g]
                hit = True
        return hit

    def clip(self, action: np.ndarray) -> np.ndarray:
        """`action` (14,) within the joint ranges and the grippers' 0..1."""
        action = np.asarray(action, np.float32)
        if self._lo is not None:
            action = np.clip(action, self._lo, self._hi)
        action[list(GRIPPERS)] = np.clip(action[list(GRIPPERS)], 0.0, 1.0)
        return action

    def _hold(self, reference: np.ndarray) -> np.ndarray:
        held = np.asarray(reference, np.float32).copy()
        self.last_command = held
        return held


def _changed(after: np.ndarray, before: np.ndarray) -> bool:
    """Whether a limit moved any target by more than a rounding's worth."""
    return bool(np.abs(after - before).max() > CLAMP_REPORTED)
