"""Gripper conversions: leader joint angle <-> normalised 0 (closed)..1 (open) <-> follower."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GripperProfile:
    """Gripper joint angles (radians) at fully open and fully closed, per arm kind."""

    name: str
    leader_open: float
    leader_close: float
    follower_open: float
    follower_close: float

    def __post_init__(self) -> None:
        if self.leader_open == self.leader_close or self.follower_open == self.follower_close:
            raise ValueError(f"gripper profile {self.name}: open and close must differ")

    def leader_to_normalised(self, angle: float | np.ndarray) -> float | np.ndarray:
        """Normalised opening for a leader gripper angle."""
        return (angle - self.leader_close) / (self.leader_open - self.leader_close)

    def normalised_to_leader(self, value: float | np.ndarray) -> float | np.ndarray:
        """Leader gripper angle for a normalised opening."""
        return value * (self.leader_open - self.leader_close) + self.leader_close

    def follower_to_normalised(self, angle: float | np.ndarray) -> float | np.ndarray:
        """Normalised opening for a follower gripper angle."""
        return (angle - self.follower_close) / (self.follower_open - self.follower_close)

    def normalised_to_follower(self, value: float | np.ndarray) -> float | np.ndarray:
        """Follower gripper angle for a normalised opening."""
        return value * (self.follower_open - self.follower_close) + self.follower_close

    def leader_to_follower(self, angle: float | np.ndarray) -> float | np.ndarray:
        """Follower gripper angle that mirrors a leader gripper angle."""
        return self.normalised_to_follower(self.leader_to_normalised(angle))

    def span(self, role: str) -> float:
        """Radians between closed and open for "leader" or "follower" (for velocities)."""
        if role == "leader":
            return self.leader_open - self.leader_close
        return self.follower_open - self.follower_close


GRIPPER_PROFILES = {
    profile.name: profile
    for profile in (
        # Original ALOHA, as published with ACT (constants.py; also in gym-aloha).
        GripperProfile("aloha", 0.3083, -0.6842, 1.4910, -0.6213),
        # ALOHA 2 (the aloha repository's constants for the new leaders and grippers).
        GripperProfile("aloha2", 0.8298, -0.0552, 1.6214, 0.6197),
    )
}


def get_gripper_profile(name: str) -> GripperProfile:
    """The named gripper profile, with a helpful error on a typo."""
    if name not in GRIPPER_PROFILES:
        known = ", ".join(GRIPPER_PROFILES)
        raise ValueError(f"unknown gripper profile {name!r}; known: {known}")
    return GRIPPER_PROFILES[name]
