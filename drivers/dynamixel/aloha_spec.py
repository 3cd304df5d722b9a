"""The servo chains of ALOHA's arms: ViperX 300 6DOF followers and WidowX 250 6DOF leaders."""

from __future__ import annotations

from dataclasses import dataclass

from drivers.arm import ARM_JOINTS
from drivers.dynamixel.control_table import MODELS_BY_NAME

Range = tuple[float, float]  # (lower, upper) joint angle in radians


@dataclass(frozen=True)
class ServoSpec:
    """One servo of an arm."""

    joint: str  # a name in ARM_JOINTS, or "<joint>_shadow"
    id: int
    model: str  # e.g. "XM540-W270"
    shadow_of: int | None = None  # a shadow's Secondary_ID: it obeys that ID and never replies
    drive_mode: int = 0  # bit 0 reverses the direction (shadows face their primary)


@dataclass(frozen=True)
class ArmSpec:
    """An arm's servos; the 7 primaries in ARM_JOINTS order carry the joint values."""

    name: str
    servos: tuple[ServoSpec, ...]
    ranges: dict[str, Range]  # the 6 arm joints' limits (the arm's URDF); the gripper is 0..1

    def __post_init__(self) -> None:
        names = [servo.joint for servo in self.primaries]
        if tuple(names) != ARM_JOINTS:
            raise ValueError(f"{self.name}: primary joints {names} are not {ARM_JOINTS}")
        if set(self.ranges) != set(ARM_JOINTS[:-1]):
            raise ValueError(f"{self.name}: ranges must name the joints {ARM_JOINTS[:-1]}")

    def rated_speed(self, joint: str) -> float | None:
        """The rated no-load speed (rad/s) of the servo that drives `joint`; None if unknown."""
        servo = next(servo for servo in self.primaries if servo.joint == joint)
        return MODELS_BY_NAME[servo.model].rated_speed_rad_s

    @property
    def primaries(self) -> tuple[ServoSpec, ...]:
        """The 7 servos that are read and commanded, in ARM_JOINTS order."""
        return tuple(servo for servo in self.servos if servo.shadow_of is None)

    @property
    def primary_ids(self) -> tuple[int, ...]:
        """IDs of the 7 primaries, in ARM_JOINTS order."""
        return tuple(servo.id for servo in self.primaries)

    @property
    def shadows(self) -> tuple[ServoSpec, ...]:
        """The servos that double a joint (shoulder, elbow)."""
        return tuple(servo for servo in self.servos if servo.shadow_of is not None)

    @property
    def joint_names(self) -> dict[int, str]:
        """Servo ID -> joint name, for error messages."""
        return {servo.id: servo.joint for servo in self.servos}


def _chain(name: str, big: str, small: str, ranges: dict[str, Range]) -> ArmSpec:
    # Interbotix 6DOF arms: IDs 1-9, shoulder and elbow doubled by a reversed shadow servo,
    # the wrist rotate and gripper on a smaller servo than the other joints.
    return ArmSpec(
        name,
        (
            ServoSpec("waist", 1, big),
            ServoSpec("shoulder", 2, big),
            ServoSpec("shoulder_shadow", 3, big, shadow_of=2, drive_mode=1),
            ServoSpec("elbow", 4, big),
            ServoSpec("elbow_shadow", 5, big, shadow_of=4, drive_mode=1),
            ServoSpec("forearm_roll", 6, big),
            ServoSpec("wrist_angle", 7, big),
            ServoSpec("wrist_rotate", 8, small),
            ServoSpec("gripper", 9, small),
        ),
        ranges,
    )


# Joint limits of the Interbotix URDFs (interbotix_xs_descriptions), in radians; the ALOHA
# MuJoCo scenes (gym-aloha's vx300s_*.xml) use the same ViperX numbers.
_HALF_TURN = (-3.14158, 3.14158)
VIPERX_300_6DOF = _chain(  # follower
    "vx300s",
    "XM540-W270",
    "XM430-W350",
    {
        "waist": _HALF_TURN,
        "shoulder": (-1.85005, 1.25664),
        "elbow": (-1.76278, 1.6057),
        "forearm_roll": _HALF_TURN,
        "wrist_angle": (-1.8675, 2.23402),
        "wrist_rotate": _HALF_TURN,
    },
)
WIDOWX_250_6DOF = _chain(  # leader
    "wx250s",
    "XM430-W350",
    "XL430-W250",
    {
        "waist": _HALF_TURN,
        "shoulder": (-1.88496, 1.98968),
        "elbow": (-2.14675, 1.6057),
        "forearm_roll": _HALF_TURN,
        "wrist_angle": (-1.74533, 2.14675),
        "wrist_rotate": _HALF_TURN,
    },
)
ARM_MODELS = {spec.name: spec for spec in (VIPERX_300_6DOF, WIDOWX_250_6DOF)}
DEFAULT_MODEL = {"follower": "vx300s", "leader": "wx250s"}


def get_arm_model(name: str) -> ArmSpec:
    """The arm model called `name`, with a helpful error on a typo."""
    if name not in ARM_MODELS:
        raise ValueError(f"unknown arm model {name!r}; known: {', '.join(ARM_MODELS)}")
    return ARM_MODELS[name]
