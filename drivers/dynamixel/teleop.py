"""Leader -> follower teleoperation mapping: joints one to one, grippers through the profile."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from drivers.arm import ARM_DOF, GRIPPERS
from drivers.dynamixel.gripper import GripperProfile
from drivers.robot import Robot


@dataclass(frozen=True)
class TeleopMapping:
    """Turns the leaders' 14 values into the followers' action, optionally rate-limited.

    Leader and follower arms both report grippers normalised (each through its own side of the
    gripper profile), so the normalised value passes straight across.
    """

    max_joint_step: float | None = None  # radians per control step; None = no limit
    max_gripper_step: float | None = None  # normalised units per control step; None = no limit

    def __post_init__(self) -> None:
        for name in ("max_joint_step", "max_gripper_step"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive or None, got {value}")

    def __call__(self, leader_qpos: np.ndarray, previous: np.ndarray | None = None) -> np.ndarray:
        """The follower action (14,) for leader positions (14,), limited around `previous`."""
        target = np.asarray(leader_qpos, dtype=np.float32).copy()
        if target.shape != (2 * ARM_DOF,):
            raise ValueError(f"leader positions must have shape (14,), got {target.shape}")
        if previous is None:
            return target
        limit = np.full(2 * ARM_DOF, np.inf, dtype=np.float32)
        if self.max_joint_step is not None:
            limit[:] = self.max_joint_step
        limit[list(GRIPPERS)] = np.inf if self.max_gripper_step is None else self.max_gripper_step
        previous = np.asarray(previous, dtype=np.float32)
        return previous + np.clip(target - previous, -limit, limit)


def leader_to_follower_angles(leader_angles: np.ndarray, profile: GripperProfile) -> np.ndarray:
    """Follower joint angles (7,) mirroring one leader's joint angles (7,), gripper in radians."""
    angles = np.asarray(leader_angles, dtype=np.float64).copy()
    angles[ARM_DOF - 1] = profile.leader_to_follower(angles[ARM_DOF - 1])
    return angles


def teleop_step(
    robot: Robot, mapping: TeleopMapping, previous: np.ndarray | None = None
) -> np.ndarray:
    """Read both leaders, send the mapped action to the followers, return it (14,)."""
    leader_qpos = np.concatenate(
        [robot.leaders[side].read_state().qpos for side in ("left", "right")]
    )
    action = mapping(leader_qpos, previous)
    robot.send_followers(action)
    return action
