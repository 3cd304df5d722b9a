"""Build a Robot from ALOHA arms: real ones from a TOML config, or the virtual ALOHA bus."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from drivers.aloha_config import AlohaConfig, load_aloha_config
from drivers.camera import Camera
from drivers.dynamixel.aloha_arm import AlohaArm
from drivers.dynamixel.arm_config import ArmConfig
from drivers.robot import Robot
from drivers.virtual_bus import VirtualAloha

if TYPE_CHECKING:
    from drivers.sim.world import AlohaSim

DEFAULT_CAMERAS = ("cam_high", "cam_left_wrist", "cam_right_wrist")


def make_aloha_robot(config: AlohaConfig | str | Path) -> Robot:
    """Real ALOHA arms (kind "aloha") and cameras from a config or its TOML file; not connected."""
    if not isinstance(config, AlohaConfig):
        config = load_aloha_config(config)
    from drivers.cameras.factory import make_camera

    cameras: dict[str, Camera] = {
        name: make_camera(name, spec) for name, spec in config.cameras.items()
    }
    return Robot(
        followers={side: AlohaArm(arm) for side, arm in config.followers.items()},
        leaders={side: AlohaArm(arm) for side, arm in config.leaders.items()},
        cameras=cameras,
        physics=None,
        kind="aloha",
        safety=config.safety,
    )


@dataclass
class VirtualAlohaRobot(Robot):
    """A Robot whose arms are the real Dynamixel driver on a virtual ALOHA bus.

    The bus's simulator is stepped in real time (50 Hz) by a thread of the virtual bus, not by
    the control loop: `physics` is None, as on hardware. `virtual_bus.sim` is the simulator.
    """

    virtual_bus: VirtualAloha | None = field(default=None, repr=False)

    def disconnect(self) -> None:
        """Disconnect the arms and cameras, then stop the virtual bus."""
        try:
            super().disconnect()
        finally:
            if self.virtual_bus is not None:
                self.virtual_bus.stop()

    @property
    def sim(self) -> AlohaSim | None:
        """The simulator behind the followers (for success checks and prompts)."""
        return self.virtual_bus.sim if self.virtual_bus else None


def make_virtual_robot(
    task: str = "pick_color",
    seed: int = 0,
    cameras: tuple[str, ...] = DEFAULT_CAMERAS,
    image_size: tuple[int, int] = (240, 320),
    *,
    gripper_profile: str = "aloha2",
    backend: str = "sim",
    realtime: bool = True,
) -> VirtualAlohaRobot:
    """Start a virtual ALOHA bus and return a Robot (kind "virtual") of AlohaArms on its ports.

    The bus runs until `robot.disconnect()`; with backend "sim" its leaders replay the task's
    scripted demonstration and the cameras render its simulator. The arms wait up to 100 ms
    for a reply (not ~34 ms): the bus is Python threads on a possibly busy machine.
    """
    from drivers.virtual_bus.sim_camera import VirtualBusCamera

    bus = VirtualAloha(
        backend, task, seed=seed, gripper_profile=gripper_profile, realtime=realtime
    ).start()
    try:
        arms = {
            role: AlohaArm(
                ArmConfig(role, port, gripper_profile=gripper_profile, min_reply_timeout_ms=100)
            )
            for role, port in bus.ports.items()
        }
        sim = bus.sim
        robot_cameras: dict[str, Camera] = (
            {name: VirtualBusCamera(name, sim, image_size) for name in cameras} if sim else {}
        )
    except BaseException:
        bus.stop()
        raise
    return VirtualAlohaRobot(
        followers={side: arms[f"follower_{side}"] for side in ("left", "right")},
        leaders={side: arms[f"leader_{side}"] for side in ("left", "right")},
        cameras=robot_cameras,
        physics=None,
        kind="virtual",
        virtual_bus=bus,
    )
