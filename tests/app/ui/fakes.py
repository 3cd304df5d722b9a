"""Stand-ins for the robot and the policy, so UI tests run a real RobotSession without MuJoCo."""

from __future__ import annotations

import time

import numpy as np

from app.ui.backend import PolicyInfo, RobotChoice
from drivers.arm import Arm, ArmState
from drivers.camera import Camera, Frame
from drivers.robot import Robot


class StepArm(Arm):
    """An arm that moves a fifth of the way to its goal per command (so motion is visible)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.qpos = np.zeros(7, np.float32)
        self.torque = True
        self._connected = False

    def connect(self) -> None:
        self._connected = True

    def disconnect(self) -> None:
        self._connected = False

    @property
    def is_connected(self) -> bool:
        return self._connected

    def read_state(self) -> ArmState:
        return ArmState(self.qpos.copy(), np.zeros(7, np.float32), np.zeros(7, np.float32))

    def send_action(self, action: np.ndarray) -> None:
        if self.torque:
            self.qpos = self.qpos + 0.2 * (np.asarray(action, np.float32) - self.qpos)

    def set_torque(self, enabled: bool) -> None:
        self.torque = enabled


class ColourCamera(Camera):
    """Every read is a fresh frame of one colour."""

    def __init__(self, name: str, colour: int = 90, shape: tuple[int, int] = (48, 64)) -> None:
        self.name = name
        self.image = np.full((*shape, 3), colour, np.uint8)
        self._connected = False

    def connect(self) -> None:
        self._connected = True

    def disconnect(self) -> None:
        self._connected = False

    @property
    def is_connected(self) -> bool:
        return self._connected

    def read_latest(self, max_age_ms: float | None = None) -> Frame | None:
        return Frame(self.image, time.monotonic()) if self._connected else None

    @property
    def fps(self) -> float:
        return 50.0


CAMERAS = ("cam_high", "cam_left_wrist", "cam_right_wrist")


def fake_robot() -> Robot:
    """Two stepping followers and three plain cameras, no leaders."""
    return Robot(
        followers={side: StepArm(f"follower_{side}") for side in ("left", "right")},
        cameras={name: ColourCamera(name, 60 + 40 * i) for i, name in enumerate(CAMERAS)},
        kind="virtual",
    )


class WavePolicy:
    """Chunks that move every joint away from the observed state, a little more each step."""

    name = "wave"
    cameras = CAMERAS
    chunk_size = 50

    def infer(self, obs: dict) -> np.ndarray:
        state = np.asarray(obs["state"], np.float32)
        ramp = np.linspace(0.01, 0.3, self.chunk_size, dtype=np.float32)[:, None]
        return state[None] + ramp * np.ones(14, np.float32)


def open_fake_session(choice: RobotChoice):
    """What `backend.open_session` does, on the fake robot."""
    from app.runtime.session import RobotSession

    session = RobotSession(fake_robot())
    session.start()
    return session


def load_wave_policy(path) -> tuple[WavePolicy, PolicyInfo]:
    """What `backend.load_policy` does, for the fake policy."""
    info = PolicyInfo(
        name="wave", path=str(path), model_card="# wave\nA test policy.", cameras=CAMERAS
    )
    return WavePolicy(), info
