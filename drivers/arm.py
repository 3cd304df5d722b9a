"""The one interface every arm implements: real Dynamixel, virtual bus, or simulated."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

# Joint order of one ALOHA arm; the 14-dim robot vector is left arm then right arm.
ARM_JOINTS = (
    "waist",
    "shoulder",
    "elbow",
    "forearm_roll",
    "wrist_angle",
    "wrist_rotate",
    "gripper",
)
ARM_DOF = len(ARM_JOINTS)
GRIPPERS = (ARM_DOF - 1, 2 * ARM_DOF - 1)  # indices of the two grippers in the 14-dim vector


@dataclass(frozen=True)
class ArmState:
    """One reading of an arm. Joints in radians, gripper normalised 0 (closed) .. 1 (open)."""

    qpos: np.ndarray  # (7,) float32
    qvel: np.ndarray  # (7,) float32, rad/s (gripper: normalised units per second)
    effort: np.ndarray  # (7,) float32, motor current in mA (simulator: actuator force)


class Arm(ABC):
    """An arm that can be read and commanded in joint space, 7 values (6 joints + gripper)."""

    name: str  # e.g. "follower_left", "leader_right"

    @abstractmethod
    def connect(self) -> None:
        """Open the device; raises `DeviceError` with a one-line reason on failure."""

    @abstractmethod
    def disconnect(self) -> None:
        """Put the arm in its safe state and release the device. Safe to call twice."""

    @property
    @abstractmethod
    def is_connected(self) -> bool:
        """True between a successful `connect()` and `disconnect()`."""

    @abstractmethod
    def read_state(self) -> ArmState:
        """Read position, velocity and effort of the 7 joints."""

    @abstractmethod
    def send_action(self, action: np.ndarray) -> None:
        """Command goal positions for the 7 joints (radians, gripper 0..1)."""

    @abstractmethod
    def set_torque(self, enabled: bool) -> None:
        """Enable or disable torque on every joint (off = the arm goes limp)."""

    def __enter__(self) -> Arm:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.disconnect()
