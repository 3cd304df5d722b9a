"""Settings of one ALOHA arm on its own serial port."""

from __future__ import annotations

from dataclasses import dataclass

from drivers.dynamixel.aloha_spec import DEFAULT_MODEL, get_arm_model
from drivers.dynamixel.gripper import get_gripper_profile

ROLES = ("follower", "leader")
SAFE_STATES = ("torque_off", "hold")
CALIBRATION_POLICIES = ("check", "apply")


@dataclass(frozen=True)
class ArmConfig:
    """One arm: where it is plugged in, what it is, how it is calibrated and made safe."""

    name: str  # "follower_left", "leader_right", ...
    port: str  # serial port, preferably a /dev/serial/by-id/... path
    model: str = ""  # "vx300s" or "wx250s"; empty = the usual one for the role
    baud: int = 1_000_000
    gripper_profile: str = "aloha2"  # a name in GRIPPER_PROFILES
    calibration: str | None = None  # calibration JSON; None = use the registers as they are
    calibration_policy: str = "check"  # "check": a mismatch is an error; "apply": write the file
    safe_state: str = "torque_off"  # on disconnect, e-stop and exit: "torque_off" or "hold"
    gripper_current_limit_ma: float = 300.0  # follower gripper: grasps without crushing
    leader_gripper_spring: float = 0.1  # leader gripper: fraction of its current or PWM limit
    max_attempts: int = 3  # one transaction: first try plus retries of lost replies
    min_reply_timeout_ms: float = 0.0  # 0 = dynamixel-sdk's (~34 ms); more for a virtual bus

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"arm {self.name!r}: the name must start with follower_ or leader_")
        get_arm_model(self.arm_model)
        get_gripper_profile(self.gripper_profile)
        if self.safe_state not in SAFE_STATES:
            raise ValueError(f"arm {self.name}: safe_state must be one of {SAFE_STATES}")
        if self.calibration_policy not in CALIBRATION_POLICIES:
            raise ValueError(
                f"arm {self.name}: calibration_policy must be one of {CALIBRATION_POLICIES}"
            )
        if not 0.0 < self.leader_gripper_spring <= 1.0:
            raise ValueError(f"arm {self.name}: leader_gripper_spring must be in (0, 1]")

    @property
    def role(self) -> str:
        """ "follower" or "leader", from the name."""
        return self.name.split("_", 1)[0]

    @property
    def arm_model(self) -> str:
        """The arm model, defaulting by role."""
        return self.model or DEFAULT_MODEL.get(self.role, "")
