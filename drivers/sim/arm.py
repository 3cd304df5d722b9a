"""A simulated follower arm: the `Arm` interface over one side of the simulator."""

from __future__ import annotations

import numpy as np

from drivers.arm import ARM_DOF, Arm, ArmState
from drivers.errors import NotConnectedError
from drivers.robot import SIDES
from drivers.sim.world import AlohaSim


class SimArm(Arm):
    """The `side` ViperX of an `AlohaSim`; the simulator is stepped by whoever owns it."""

    def __init__(self, sim: AlohaSim, side: str, name: str | None = None) -> None:
        if side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}, got {side!r}")
        self.sim = sim
        self.side = side
        self.name = name or f"follower_{side}"
        self._slice = slice(SIDES.index(side) * ARM_DOF, (SIDES.index(side) + 1) * ARM_DOF)
        self._connected = False

    def connect(self) -> None:
        """Nothing to open; the servos are switched on."""
        self.sim.set_torque(self.side, True)
        self._connected = True

    def disconnect(self) -> None:
        """Hold the present position (the safe state of a simulated arm)."""
        if not self._connected:
            return
        self.sim.set_side_action(self.side, self.sim.qpos()[self._slice])
        self._connected = False

    @property
    def is_connected(self) -> bool:
        return self._connected

    def read_state(self) -> ArmState:
        """Position, velocity and actuator force of the 7 joints."""
        self._require_connected()
        with self.sim.lock:
            qpos, qvel, effort = self.sim.qpos(), self.sim.qvel(), self.sim.effort()
        return ArmState(qpos[self._slice], qvel[self._slice], effort[self._slice])

    def send_action(self, action: np.ndarray) -> None:
        """Joint targets (7,): radians, gripper 0..1; they act from the next physics step."""
        self._require_connected()
        self.sim.set_side_action(self.side, action)

    def set_torque(self, enabled: bool) -> None:
        """Servos on, or off (the arm falls limp under gravity)."""
        self._require_connected()
        self.sim.set_torque(self.side, enabled)

    def _require_connected(self) -> None:
        if not self._connected:
            raise NotConnectedError(f"arm {self.name} is not connected")
