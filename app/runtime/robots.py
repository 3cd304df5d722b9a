"""Build the robot a session drives: the simulator, the virtual bus, or real ALOHA arms."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from app.runtime.envelope import envelope_for
from app.runtime.safety import ESTOP_ACTIONS, SafetyConfig
from drivers.robot import SIDES, Robot
from drivers.safety_settings import ArmLimits
from drivers.seeds import SCENE_SEED

ROBOT_KINDS = ("sim", "virtual", "aloha")
DEFAULT_CAMERAS = ("cam_high", "cam_left_wrist", "cam_right_wrist")
USER_CONFIG = Path("~/.config/pi0studio/robot.toml")


def make_robot(
    kind: str,
    task: str = "pick_color",
    config: str | Path | None = None,
    *,
    seed: int = SCENE_SEED,
    cameras: tuple[str, ...] = DEFAULT_CAMERAS,
    image_size: tuple[int, int] = (240, 320),
    leader: str | None = None,
) -> Robot:
    """A robot of `kind`: "sim" (MuJoCo), "virtual" (Dynamixel driver on a simulated bus) or
    "aloha" (real arms, ports and cameras from the TOML `config` or the user's config file).
    On "sim", `leader` ("expert" or "keyboard") adds leader arms played by that source."""
    if kind == "sim":
        from drivers.sim.robot import make_sim_robot

        return make_sim_robot(
            task=task, seed=seed, cameras=cameras, image_size=image_size, leader=leader
        )
    if leader is not None:
        raise ValueError("a played leader (expert, keyboard) needs --robot sim")
    if kind == "virtual":
        return _virtual_robot(task, seed, cameras, image_size)
    if kind == "aloha":
        return _aloha_robot(config)
    raise ValueError(f"unknown robot {kind!r}; choose one of {', '.join(ROBOT_KINDS)}")


def find_config(config: str | Path | None) -> Path:
    """The ALOHA config file: the one given, else the user's `~/.config/pi0studio/robot.toml`."""
    path = Path(config).expanduser() if config else USER_CONFIG.expanduser()
    if not path.is_file():
        hint = "pass --config FILE" if config is None else "check the path"
        raise FileNotFoundError(
            f"no ALOHA config at {path}: {hint} (start from the example robot.toml; "
            "`main.py devices` lists ports and cameras)"
        )
    return path


def simulator_of(robot: Robot) -> Any:
    """The simulator behind a robot (stepped by the loop, or by the virtual bus), or None."""
    return getattr(robot, "sim", None) or robot.physics


def played_leaders(robot: Robot) -> Any:
    """The program playing the simulator's leader arms (`PlayedLeaders`), or None."""
    return getattr(robot.leaders.get("left"), "played", None)


def safety_for(robot: Robot, base: SafetyConfig | None = None) -> SafetyConfig:
    """Safety limits for a robot, on every robot kind: the joint ranges and speeds of its
    envelope (arm model, calibration, simulator, [safety] table), the [safety] settings, and
    e-stop as its arms are set. A `base` with its own joint limits keeps them."""
    config = base or SafetyConfig()
    if config.joint_lo is None:
        envelope = envelope_for(robot)
        config = replace(
            config.with_limits(envelope.lo, envelope.hi),
            max_speed=tuple(map(float, envelope.speed)),
        )
    if base is not None:
        return config
    settings = robot.safety
    chosen = {
        key: getattr(settings, key)
        for key in ("watchdog_s", "estop_action", "out_of_range_ticks")
        if getattr(settings, key) is not None
    }
    states = {getattr(getattr(arm, "config", None), "safe_state", None)
              for arm in robot.followers.values()}  # fmt: skip
    if "estop_action" not in chosen and len(states) == 1 and states <= set(ESTOP_ACTIONS):
        chosen["estop_action"] = states.pop()
    efforts = tuple(
        settings.arms.get(f"follower_{side}", ArmLimits()).gripper_effort_limit
        or settings.gripper_effort_limit
        for side in SIDES
    )
    if any(effort is not None for effort in efforts):
        chosen["gripper_effort_limit"] = efforts
    return replace(config, allow_uncalibrated=settings.allow_uncalibrated, **chosen)


def uncalibrated_arms(robot: Robot) -> list[str]:
    """Real followers without a calibration file (policy mode refuses them)."""
    if robot.kind != "aloha":
        return []
    missing = []
    for arm in robot.followers.values():
        path = getattr(getattr(arm, "config", None), "calibration", None)
        if not path or not Path(path).expanduser().is_file():
            missing.append(f"{arm.name} ({path or 'no file set'})")
    return missing


def _virtual_robot(
    task: str, seed: int, cameras: tuple[str, ...], image_size: tuple[int, int]
) -> Robot:
    from drivers.dynamixel.aloha_robot import make_virtual_robot

    return make_virtual_robot(task, seed, cameras, image_size)


def _aloha_robot(config: str | Path | None) -> Robot:
    from drivers.dynamixel.aloha_robot import make_aloha_robot

    return make_aloha_robot(find_config(config))
