"""A whole virtual ALOHA: four servo chains (two leaders, two followers) on four ptys."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from drivers.dynamixel.aloha_spec import VIPERX_300_6DOF, WIDOWX_250_6DOF
from drivers.dynamixel.gripper import get_gripper_profile
from drivers.virtual_bus.backends import SimBackend, StaticBackend
from drivers.virtual_bus.faults import Fault
from drivers.virtual_bus.pty_server import PtyServer
from drivers.virtual_bus.servo import VirtualServo
from drivers.virtual_bus.virtual_arm import VirtualArm

if TYPE_CHECKING:
    from drivers.sim.world import AlohaSim

log = logging.getLogger(__name__)

ROLES = ("leader_left", "leader_right", "follower_left", "follower_right")
BACKENDS = ("static", "sim")


class VirtualAloha:
    """Four pseudo-terminals that answer like ALOHA's servo chains, Protocol 2.0.

    backend "static": ideal servos (goals reached at once, leaders stay where `set_joints`
    puts them). backend "sim": the followers drive the simulated ALOHA of `task`, stepped at
    50 Hz in a thread of this object, and the leaders replay the task's scripted demonstration.
    Use as a context manager; `ports` maps role -> pty path. With `realtime=False` nothing
    steps the simulator but `step()` (deterministic tests).
    """

    def __init__(
        self,
        backend: str = "static",
        task: str = "transfer_cube",
        *,
        seed: int = 0,
        gripper_profile: str = "aloha2",
        link_dir: str | Path | None = None,
        realtime: bool = True,
    ) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        profile = get_gripper_profile(gripper_profile)
        self.arms = {
            role: VirtualArm(
                role, VIPERX_300_6DOF if role.startswith("follower") else WIDOWX_250_6DOF, profile
            )
            for role in ROLES
        }
        self.backend_name = backend
        self.task = task
        self.seed = seed
        self.link_dir = Path(link_dir).expanduser() if link_dir else None
        self.realtime = realtime
        self.backend: StaticBackend | SimBackend | None = None
        self._servers: dict[str, PtyServer] = {}

    # -- lifetime ----------------------------------------------------------------------------

    def start(self) -> VirtualAloha:
        """Open the ptys and start answering (and simulating)."""
        if self._servers:
            return self
        try:
            if self.backend_name == "sim":
                self.backend = SimBackend(self.arms, self.task, self.seed)
            else:
                self.backend = StaticBackend(self.arms)
            for role, arm in self.arms.items():
                server = PtyServer(arm.chain, role)
                server.start()
                self._servers[role] = server
            if self.realtime:
                self.backend.start()
            elif isinstance(self.backend, StaticBackend):
                self.backend.start()  # ideal servos have no thread; they follow each write
            self._link_ports()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop every thread and close the ptys. Safe to call twice."""
        if self.backend is not None:
            self.backend.stop()
        for server in self._servers.values():
            server.stop()
        self._servers.clear()
        self._unlink_ports()

    def __enter__(self) -> VirtualAloha:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def ports(self) -> dict[str, str]:
        """Role -> the pty path to open as a serial port (or its link in `link_dir`)."""
        if self.link_dir:
            return {role: str(self.link_dir / role) for role in self._servers}
        return {role: server.path for role, server in self._servers.items()}

    @property
    def sim(self) -> AlohaSim | None:
        """The simulator that the followers drive (backend "sim"), else None."""
        return getattr(self.backend, "sim", None)

    # -- for tests and tools -----------------------------------------------------------------

    def step(self) -> None:
        """One 20 ms simulator period by hand (backend "sim" with realtime=False)."""
        if not isinstance(self.backend, SimBackend) or self.realtime:
            raise RuntimeError("step() needs backend='sim' and realtime=False")
        self.backend.tick()

    def reset(self, seed: int | None = None) -> None:
        """A new simulated episode (backend "sim"): objects re-drawn, leaders' demo from 0."""
        if isinstance(self.backend, SimBackend):
            self.backend.reset(seed)

    def inject(
        self,
        role: str,
        kind: str,
        servo_id: int,
        *,
        count: int | None = None,
        delay_s: float = 0.0,
    ) -> Fault:
        """Inject a fault ("silent", "corrupt", "slow", "overload") into one servo of an arm."""
        fault = Fault(kind, servo_id, count=count, delay_s=delay_s)
        self._arm(role).chain.inject(fault)
        return fault

    def clear_faults(self) -> None:
        """Stop every injected fault (hardware errors stay until the servo is rebooted)."""
        for arm in self.arms.values():
            arm.chain.clear_faults()

    def servo(self, role: str, servo_id: int) -> VirtualServo:
        """One virtual servo, to read or set its registers directly."""
        servo = self._arm(role).chain.servo(servo_id)
        if servo is None:
            raise KeyError(f"{role}: no servo {servo_id}")
        return servo

    def set_joints(self, role: str, qpos: np.ndarray) -> None:
        """Move an arm by hand (radians, gripper 0..1); the sim backend overrides followers."""
        self._arm(role).set_joints(np.asarray(qpos, dtype=np.float64))

    def joints(self, role: str) -> np.ndarray:
        """Present joint values (7,) of an arm."""
        return self._arm(role).joints()

    def torque(self, role: str) -> np.ndarray:
        """Torque_Enable (9,) of an arm's servos, by ID."""
        return self._arm(role).torque()

    def _arm(self, role: str) -> VirtualArm:
        if role not in self.arms:
            raise KeyError(f"unknown arm {role!r}; choose one of {', '.join(ROLES)}")
        return self.arms[role]

    def _link_ports(self) -> None:
        if not self.link_dir:
            return
        self.link_dir.mkdir(parents=True, exist_ok=True)
        for role, server in self._servers.items():
            link = self.link_dir / role
            if link.is_symlink():
                link.unlink()
            os.symlink(server.path, link)

    def _unlink_ports(self) -> None:
        if not self.link_dir:
            return
        for role in ROLES:
            link = self.link_dir / role
            if link.is_symlink():
                link.unlink()
