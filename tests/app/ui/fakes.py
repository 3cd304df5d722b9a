"""Stand-ins for the robot and the policy, so UI tests run a real RobotSession without MuJoCo."""

from __future__ import annotations

import numpy as np

from app.ui.backend import PolicyInfo, RobotChoice
from drivers.robot import Robot
from tests.app.runtime.fakes import FakeArm, FakeCamera


class StepArm(FakeArm):
    """A fake arm that moves a fifth of the way to its goal per command (so motion is visible)."""

    def send_action(self, action: np.ndarray) -> None:
        self._check()
        if self.torque:
            self.qpos = self.qpos + 0.2 * (np.asarray(action, np.float32) - self.qpos)


CAMERAS = ("cam_high", "cam_left_wrist", "cam_right_wrist")


def fake_robot() -> Robot:
    """Two stepping followers and three plain cameras, no leaders."""
    return Robot(
        followers={side: StepArm(f"follower_{side}") for side in ("left", "right")},
        cameras={
            name: FakeCamera(name, (48, 64), colour=60 + 40 * i) for i, name in enumerate(CAMERAS)
        },
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
