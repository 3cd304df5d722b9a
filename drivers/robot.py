"""A bimanual ALOHA: two followers, optional leaders, cameras; the same for real and simulated."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from drivers.arm import ARM_DOF, Arm, ArmState
from drivers.camera import Camera
from drivers.safety_settings import SafetySettings

SIDES = ("left", "right")


class Physics(Protocol):
    """Something that must be advanced by one control period per tick (the simulator)."""

    def step(self) -> None:
        """Advance the world by one control period (0.02 s at 50 Hz)."""


@dataclass
class Robot:
    """The devices of one ALOHA. `physics` is None on hardware, the simulator otherwise."""

    followers: dict[str, Arm]  # keys "left", "right"
    cameras: dict[str, Camera] = field(default_factory=dict)  # keys in CAMERA_NAMES
    leaders: dict[str, Arm] = field(default_factory=dict)  # keys "left", "right", or empty
    physics: Physics | None = None
    kind: str = "sim"  # "sim", "virtual" or "aloha"
    safety: SafetySettings = field(default_factory=SafetySettings)  # the config's [safety]

    def connect(self) -> None:
        """Connect every device; on failure, disconnect what was connected and re-raise."""
        devices = [*self.followers.values(), *self.leaders.values(), *self.cameras.values()]
        done = []
        try:
            for device in devices:
                device.connect()
                done.append(device)
        except Exception:
            for device in reversed(done):
                device.disconnect()
            raise

    def disconnect(self) -> None:
        """Disconnect every device, followers last so they are made safe after the rest stops."""
        for device in [*self.cameras.values(), *self.leaders.values(), *self.followers.values()]:
            device.disconnect()

    def read_followers(self) -> tuple[ArmState, ArmState]:
        """States of the left and right followers."""
        return self.followers["left"].read_state(), self.followers["right"].read_state()

    def send_followers(self, action: np.ndarray) -> None:
        """Send a 14-dim action (left 7 then right 7) to the followers."""
        self.followers["left"].send_action(action[:ARM_DOF])
        self.followers["right"].send_action(action[ARM_DOF:])

    def __enter__(self) -> Robot:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.disconnect()
