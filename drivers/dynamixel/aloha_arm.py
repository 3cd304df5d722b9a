"""An ALOHA arm (ViperX 300 follower or WidowX 250 leader) on its own Dynamixel bus."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from drivers.arm import ARM_DOF, Arm, ArmState
from drivers.dynamixel import arm_setup, safety, units
from drivers.dynamixel import control_table as ct
from drivers.dynamixel.aloha_spec import ArmSpec, get_arm_model
from drivers.dynamixel.arm_config import ArmConfig
from drivers.dynamixel.bus import DynamixelBus
from drivers.dynamixel.calibration import ArmCalibration
from drivers.dynamixel.errors import DynamixelError
from drivers.dynamixel.gripper import get_gripper_profile
from drivers.errors import DeviceError, NotConnectedError

log = logging.getLogger(__name__)
T = TypeVar("T")
GRIPPER = ARM_DOF - 1  # index of the gripper in a 7-value arm vector


class AlohaArm(Arm):
    """Reads and commands one arm: one sync read and one sync write per control cycle.

    Joints in radians (0 rad = 2048 ticks), gripper normalised 0 (closed)..1 (open) through the
    configured gripper profile. A bus failure stops the arm (torque off) and is re-raised.
    """

    def __init__(self, config: ArmConfig) -> None:
        self.config = config
        self.name = config.name
        self.spec: ArmSpec = get_arm_model(config.arm_model)
        self.profile = get_gripper_profile(config.gripper_profile)
        self.bus = DynamixelBus(
            config.port,
            config.baud,
            label=config.name,
            joint_names=self.spec.joint_names,
            max_attempts=config.max_attempts,
            min_timeout_ms=config.min_reply_timeout_ms,
        )
        self.calibration: ArmCalibration | None = None
        self.fault: DynamixelError | None = None  # the error that stopped the arm
        self._ids = self.spec.primary_ids
        self._lo = np.zeros(ARM_DOF, dtype=np.int64)
        self._hi = np.full(ARM_DOF, 4095, dtype=np.int64)
        self._models: dict[int, ct.ServoModel] = {}

    @property
    def is_follower(self) -> bool:
        """True for a follower, False for a leader."""
        return self.config.role == "follower"

    # -- Arm interface -----------------------------------------------------------------------

    def connect(self) -> None:
        """Open the port, check servos and calibration, configure, torque on as the role says."""
        if self.is_connected:
            return
        self.bus.open()
        try:
            self._setup()
            self._hold_present_position()
            self._enable_torque()
        except BaseException:
            self.bus.close()
            raise
        self.fault = None
        safety.register(self)

    def disconnect(self) -> None:
        """Safe state (as configured), then close the port. Safe to call twice."""
        if not self.bus.is_open:
            return
        try:
            self.make_safe()
        except Exception as exc:  # the port may be gone; closing it must still happen
            log.error("%s: could not reach the safe state on disconnect: %s", self.name, exc)
        finally:
            self.bus.close()
            safety.unregister(self)

    @property
    def is_connected(self) -> bool:
        """True between connect() and disconnect()."""
        return self.bus.is_open

    def read_state(self) -> ArmState:
        """One sync read of current, velocity and position of the 7 joints."""
        values = self._guard(lambda: self.bus.sync_read(ct.STATE_BLOCK, self._ids))
        ticks = np.array([values[i]["Present_Position"] for i in self._ids])
        velocity = np.array([values[i]["Present_Velocity"] for i in self._ids])
        current = np.array([values[i]["Present_Current"] for i in self._ids], dtype=np.float64)
        qpos = units.ticks_to_radians(ticks)
        qvel = units.velocity_to_rad_s(velocity)
        role = self.config.role
        to_normalised = (
            self.profile.follower_to_normalised
            if self.is_follower
            else self.profile.leader_to_normalised
        )
        qpos[GRIPPER] = to_normalised(qpos[GRIPPER])
        qvel[GRIPPER] = qvel[GRIPPER] / self.profile.span(role)
        effort = current * self._effort_scale
        return ArmState(qpos.astype(np.float32), qvel.astype(np.float32), effort.astype(np.float32))

    def send_action(self, action: np.ndarray) -> None:
        """One sync write of goal positions: 6 joints in radians, gripper 0..1."""
        action = np.asarray(action, dtype=np.float64)
        if action.shape != (ARM_DOF,) or not np.all(np.isfinite(action)):
            raise ValueError(f"{self.name}: action must be 7 finite numbers, got {action!r}")
        angles = action.copy()
        to_angle = (
            self.profile.normalised_to_follower
            if self.is_follower
            else self.profile.normalised_to_leader
        )
        angles[GRIPPER] = to_angle(action[GRIPPER])
        ticks = np.clip(units.radians_to_ticks(angles), self._lo, self._hi)
        goals = dict(zip(self._ids, (int(t) for t in ticks), strict=True))
        self._guard(lambda: self.bus.sync_write("Goal_Position", goals))

    def set_torque(self, enabled: bool) -> None:
        """Torque on or off for every servo (a write to a primary also reaches its shadow)."""
        if enabled:
            self._guard(self._hold_present_position)
        values = {servo_id: int(enabled) for servo_id in self._ids}
        self._guard(lambda: self.bus.sync_write("Torque_Enable", values))

    # -- safety ------------------------------------------------------------------------------

    def make_safe(self, timeout: float | None = None) -> None:
        """The configured safe state: torque off, or hold the present position.

        `timeout`: how long to wait for a transaction of another thread (0 = do not wait).
        """
        if not self.bus.is_open:
            return
        if self.config.safe_state == "hold" and self.fault is None:
            try:
                values = self.bus.sync_read(("Present_Position",), self._ids, timeout=timeout)
                goals = {i: values[i]["Present_Position"] for i in self._ids}
                self.bus.sync_write("Goal_Position", goals, timeout=timeout)
                return
            except DynamixelError as exc:
                log.error("%s: cannot hold position (%s); turning torque off", self.name, exc)
        # A broadcast needs no reply, so it reaches every servo that still listens.
        self.bus.broadcast_write("Torque_Enable", 0, timeout=timeout)

    def reboot_servos(self) -> list[int]:
        """Reboot the servos that report a hardware error; returns their IDs."""
        rebooted = []
        for servo in self.spec.servos:
            if self.bus.read("Hardware_Error_Status", servo.id):
                self.bus.reboot(servo.id)
                rebooted.append(servo.id)
        return rebooted

    def _guard(self, call: Callable[[], T]) -> T:
        """Run a bus call; on failure stop the arm (torque off), remember and re-raise."""
        if not self.bus.is_open:
            raise NotConnectedError(f"{self.name} is not connected")
        if self.fault is not None:
            raise DeviceError(f"{self.name} was stopped by: {self.fault}; reconnect to resume")
        try:
            return call()
        except DynamixelError as exc:
            self.fault = exc
            try:
                self.bus.broadcast_write("Torque_Enable", 0, timeout=1.0)
                note = f"{self.name} stopped (torque off)"
            except Exception:  # the port itself is gone
                note = f"{self.name} stopped (port lost, torque state unknown)"
            raise exc.with_note(note) from None

    # -- connect steps -----------------------------------------------------------------------

    def _setup(self) -> None:
        self._models = arm_setup.check_servos(self.bus, self.spec, self.config)
        self.bus.sync_write("Torque_Enable", {servo.id: 0 for servo in self.spec.servos})
        self.calibration = arm_setup.check_calibration(self.bus, self.spec, self.config)
        by_id = {servo.id: servo for servo in self.calibration.servos.values()}
        self._lo = np.array([by_id[i].min_position for i in self._ids])
        self._hi = np.array([by_id[i].max_position for i in self._ids])
        arm_setup.configure(self.bus, self.spec, self.config, self._models)

    def _hold_present_position(self) -> None:
        """Goal = present position, so that turning torque on does not make the arm jump."""
        values = self.bus.sync_read(("Present_Position",), self._ids)
        goals = {i: int(np.clip(values[i]["Present_Position"], lo, hi))
                 for i, lo, hi in zip(self._ids, self._lo, self._hi, strict=True)}  # fmt: skip
        self.bus.sync_write("Goal_Position", goals)

    def _enable_torque(self) -> None:
        if self.is_follower:
            self.bus.sync_write("Torque_Enable", {i: 1 for i in self._ids})
            return
        # Leaders are moved by hand: torque off, except the gripper's spring back to open.
        gripper_id = self._ids[GRIPPER]
        open_ticks = units.radians_to_ticks(self.profile.leader_open)
        self.bus.write(
            "Goal_Position", gripper_id, int(np.clip(open_ticks, self._lo[-1], self._hi[-1]))
        )
        self.bus.write("Torque_Enable", gripper_id, 1)

    @property
    def _effort_scale(self) -> np.ndarray:
        """Per joint: mA per Present_Current unit, or 0.1 (% of load) without current sensing."""
        return np.array([self._models[i].current_unit_ma or 0.1 for i in self._ids])
