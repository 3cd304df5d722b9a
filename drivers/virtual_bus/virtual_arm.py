"""The servo chain of one virtual ALOHA arm, seen joint by joint (for the backends)."""

from __future__ import annotations

import numpy as np

from drivers.arm import ARM_DOF
from drivers.dynamixel import control_table as ct
from drivers.dynamixel import units
from drivers.dynamixel.aloha_spec import ArmSpec
from drivers.dynamixel.gripper import GripperProfile
from drivers.virtual_bus.chain import ServoChain
from drivers.virtual_bus.servo import VirtualServo

GRIPPER = ARM_DOF - 1


class VirtualArm:
    """Nine virtual servos on one chain; joint values in radians, gripper normalised 0..1."""

    def __init__(self, name: str, spec: ArmSpec, profile: GripperProfile) -> None:
        self.name = name
        self.spec = spec
        self.profile = profile
        self.role = "follower" if name.startswith("follower") else "leader"
        self.chain = ServoChain(
            [
                VirtualServo(
                    servo.id,
                    ct.MODELS_BY_NAME[servo.model],
                    secondary_id=servo.shadow_of if servo.shadow_of is not None else 255,
                    drive_mode=servo.drive_mode,
                )
                for servo in spec.servos
            ]
        )
        self.primaries = [self._servo(i) for i in spec.primary_ids]
        self.powered = False  # whether any joint has had torque on since power-up
        # Shadow and its primary: mounted facing each other, so their shafts turn oppositely.
        self.shadow_pairs = [(self._servo(s.id), self._servo(s.shadow_of)) for s in spec.shadows]

    def _servo(self, servo_id: int | None) -> VirtualServo:
        servo = self.chain.servo(servo_id) if servo_id is not None else None
        if servo is None:
            raise KeyError(f"{self.name}: no servo {servo_id}")
        return servo

    # -- joint <-> shaft ---------------------------------------------------------------------

    def _to_angles(self, joints: np.ndarray) -> np.ndarray:
        angles = np.asarray(joints, dtype=np.float64).copy()
        if self.role == "follower":
            angles[GRIPPER] = self.profile.normalised_to_follower(angles[GRIPPER])
        else:
            angles[GRIPPER] = self.profile.normalised_to_leader(angles[GRIPPER])
        return angles

    def _to_joints(self, angles: np.ndarray) -> np.ndarray:
        joints = np.asarray(angles, dtype=np.float64).copy()
        if self.role == "follower":
            joints[GRIPPER] = self.profile.follower_to_normalised(joints[GRIPPER])
        else:
            joints[GRIPPER] = self.profile.leader_to_normalised(joints[GRIPPER])
        return joints

    def joints(self) -> np.ndarray:
        """Present joint values (7,)."""
        with self.chain.lock:
            shafts = np.array([servo.physical for servo in self.primaries])
        return self._to_joints((shafts - units.CENTER_TICKS) * units.RAD_PER_TICK)

    def commanded_joints(self, rest: np.ndarray | None = None) -> np.ndarray:
        """Goal joint values (7,) where torque is on, present values where it is off.

        `rest`: where the arm lies until torque first comes on (an unpowered arm rests on its
        support in its start pose; it does not sag from it before the driver connects).
        """
        with self.chain.lock:
            self.powered = self.powered or any(s.torque for s in self.primaries)
            if not self.powered and rest is not None:
                return np.asarray(rest, dtype=np.float64).copy()
            shafts = np.array(
                [s.goal_physical() if s.torque else s.physical for s in self.primaries]
            )
        return self._to_joints((shafts - units.CENTER_TICKS) * units.RAD_PER_TICK)

    def torque(self) -> np.ndarray:
        """Torque_Enable of all nine servos, by ascending ID."""
        with self.chain.lock:
            return np.array([s.torque for s in sorted(self.chain.servos, key=lambda s: s.id)])

    def set_joints(
        self,
        qpos: np.ndarray,
        qvel: np.ndarray | None = None,
        effort: np.ndarray | None = None,
    ) -> None:
        """Move the shafts (the world did it: a hand on a leader, or the simulator)."""
        angles = self._to_angles(qpos)
        rates = np.zeros(ARM_DOF) if qvel is None else np.asarray(qvel, dtype=np.float64).copy()
        rates[GRIPPER] *= self.profile.span(self.role)
        velocity = units.rad_s_to_velocity(rates)
        with self.chain.lock:
            for index, servo in enumerate(self.primaries):
                unit = servo.model.current_unit_ma
                current = 0 if effort is None or unit is None else round(effort[index] / unit)
                shaft = angles[index] / units.RAD_PER_TICK + units.CENTER_TICKS
                servo.set_motion(shaft, int(velocity[index]), current)
            self.mirror_shadows()

    def follow_goals(self, _servo: VirtualServo | None = None) -> None:
        """Ideal servos: every primary with torque on is at its goal at once."""
        with self.chain.lock:
            for servo in self.primaries:
                if servo.torque:
                    servo.set_motion(servo.goal_physical())
            self.mirror_shadows()

    def mirror_shadows(self) -> None:
        """Shadows turn with their primaries (the caller holds the chain lock)."""
        for shadow, primary in self.shadow_pairs:
            shadow.set_motion(
                units.TICKS_PER_TURN - primary.physical,
                -primary.get("Present_Velocity"),
                primary.get("Present_Current"),
            )
