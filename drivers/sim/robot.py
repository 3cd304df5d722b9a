"""The simulated ALOHA as a `Robot`: two follower arms, cameras, and the physics to step."""

from __future__ import annotations

from collections.abc import Sequence

from drivers.robot import SIDES, Robot
from drivers.seeds import SCENE_SEED
from drivers.sim.arm import SimArm
from drivers.sim.camera import SimCamera
from drivers.sim.leaders import PlayedLeaderArm, PlayedLeaders
from drivers.sim.world import CAMERAS, AlohaSim

DEFAULT_CAMERAS = ("cam_high", "cam_left_wrist", "cam_right_wrist")


def make_sim_robot(
    task: str = "pick_color",
    seed: int = SCENE_SEED,
    cameras: Sequence[str] = DEFAULT_CAMERAS,
    image_size: tuple[int, int] = (240, 320),
    leader: str | None = None,
) -> Robot:
    """A `Robot` of kind "sim" on a fresh `AlohaSim`; the caller steps `robot.physics`.

    `leader` ("expert" or "keyboard") adds leader arms played by that source."""
    unknown = [name for name in cameras if name not in CAMERAS]
    if unknown:
        raise ValueError(f"unknown camera {unknown[0]!r}; the simulator has {', '.join(CAMERAS)}")
    sim = AlohaSim(task, seed)
    leaders = {}
    if leader is not None:
        played = PlayedLeaders(sim, leader)
        leaders = {side: PlayedLeaderArm(played, side) for side in SIDES}
    return Robot(
        followers={side: SimArm(sim, side) for side in SIDES},
        leaders=leaders,
        cameras={name: SimCamera(sim, name, image_size) for name in cameras},
        physics=sim,
        kind="sim",
    )
