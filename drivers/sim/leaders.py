"""The leader side of the simulated ALOHA, played by a program instead of a person.

`PlayedLeaders` gives both leader arms' joint targets, one per control step: the task's
scripted expert, or end-effector moves from the keyboard. `PlayedLeaderArm` is one leader as
an `Arm`, so the session reads it each tick and the followers follow it through the same
teleoperation path (safety layer, recorder) as real leader arms.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import numpy as np

from drivers.arm import ARM_DOF, Arm, ArmState
from drivers.errors import NotConnectedError
from drivers.robot import SIDES
from drivers.sim.keyboard import KeyboardTeleop
from drivers.sim.world import CONTROL_PERIOD, AlohaSim

log = logging.getLogger(__name__)

LEADER_SOURCES = ("expert", "keyboard")


class PlayedLeaders:
    """Both leaders' joint targets from the scripted expert or the keyboard; thread-safe."""

    def __init__(self, sim: AlohaSim, source: str = "expert") -> None:
        self.sim = sim
        self.keyboard = KeyboardTeleop(sim)
        self._lock = threading.Lock()
        self._expert: Callable[[int], np.ndarray] | None = None
        self._expert_step = 0
        self._target = sim.start_action()  # (14,) the present step's targets
        self._previous = self._target.copy()
        self._step: int | None = None  # the simulator step `_target` belongs to
        self.source = ""
        self.use(source)

    @property
    def episode_seconds(self) -> float:
        """How long the expert's demonstration of the task lasts."""
        return self.sim.task.episode_steps * CONTROL_PERIOD

    def use(self, source: str) -> None:
        """Play the leaders with "expert" or "keyboard" from the next episode on."""
        if source not in LEADER_SOURCES:
            raise ValueError(
                f"unknown leader {source!r}; choose one of {', '.join(LEADER_SOURCES)}"
            )
        if source == "expert":
            from drivers.sim.scripts import SCRIPTS

            if self.sim.task.name not in SCRIPTS:
                raise ValueError(
                    f"task {self.sim.task.name!r} has no scripted expert: use keyboard"
                )
        with self._lock:
            self.source = source
            self._expert = None

    def begin_episode(self) -> None:
        """Start over from the scene as it is now (just reset): the expert plans from its first
        step, the keyboard's grippers go back to the start pose."""
        from drivers.sim.scripted import make_demonstrator

        with self._lock:
            self._restart_locked(make_demonstrator(self.sim) if self.source == "expert" else None)

    def hold_start(self) -> None:
        """Hold the start pose (an episode's reset pause): the expert plays from the next
        `begin_episode`, the keyboard's joints go back to the start pose."""
        with self._lock:
            self._restart_locked(None)

    def _restart_locked(self, expert: Callable[[int], np.ndarray] | None) -> None:
        self._expert = expert
        self._expert_step = 0
        self.keyboard.reset()
        self._step = None
        self._target = self.sim.start_action()

    def press(self, key: str) -> bool:
        """A key for the keyboard leader; False when it is not one (or the expert plays)."""
        return self.source == "keyboard" and self.keyboard.press(key)

    def state(self, side: str) -> ArmState:
        """One leader's reading this control step (computed once per step, for both arms)."""
        index = SIDES.index(side)
        part = slice(index * ARM_DOF, (index + 1) * ARM_DOF)
        with self._lock:
            if self._step != self.sim.steps:
                self._step = self.sim.steps
                self._previous, self._target = self._target, self._next_target()
            qpos = self._target[part].copy()
            qvel = (qpos - self._previous[part]) / CONTROL_PERIOD
        return ArmState(qpos, qvel.astype(np.float32), np.zeros(ARM_DOF, np.float32))

    def _next_target(self) -> np.ndarray:
        if self.source == "keyboard":
            return self.keyboard.joints()
        if self._expert is None or self._expert_step >= self.sim.task.episode_steps:
            return self._target  # before the episode and after the demonstration: hold
        target = self._expert(self._expert_step)  # once per step, in order, as it expects
        self._expert_step += 1
        return np.asarray(target, np.float32)


class PlayedLeaderArm(Arm):
    """One leader of `PlayedLeaders` as an `Arm`: reading it gives the played joint targets."""

    def __init__(self, played: PlayedLeaders, side: str) -> None:
        self.played = played
        self.side = side
        self.name = f"leader_{side}"
        self._connected = False

    def connect(self) -> None:
        """Nothing to open."""
        self._connected = True

    def disconnect(self) -> None:
        """Nothing to release."""
        self._connected = False

    @property
    def is_connected(self) -> bool:
        return self._connected

    def read_state(self) -> ArmState:
        """The played joint targets of this arm for the present control step."""
        if not self._connected:
            raise NotConnectedError(f"arm {self.name} is not connected")
        return self.played.state(self.side)

    def send_action(self, action: np.ndarray) -> None:
        """A played leader is not driven (real leaders are not either)."""

    def set_torque(self, enabled: bool) -> None:
        """A played leader has no servos."""
