"""MuJoCo models of the scenes: gym-aloha's installed files, plus ours that include them."""

from __future__ import annotations

import functools
from pathlib import Path

import mujoco

_OUR_ASSETS = Path(__file__).resolve().parent / "assets"
_PLACEHOLDER = "@GYM_ALOHA_ASSETS@"

# Scene name -> (where it lives, file name). "gym_aloha" scenes are loaded from the package.
SCENES = {
    "transfer_cube": ("gym_aloha", "bimanual_viperx_transfer_cube.xml"),
    "insertion": ("gym_aloha", "bimanual_viperx_insertion.xml"),
    "pick_color": ("ours", "bimanual_viperx_pick_color.xml"),
}


@functools.cache
def gym_aloha_assets() -> Path:
    """The folder of scene files that the installed gym-aloha package ships."""
    try:
        import gym_aloha
    except ImportError as exc:
        raise RuntimeError(
            "the simulator needs the gym-aloha package: pip install gym-aloha"
        ) from exc
    folder = Path(gym_aloha.__file__).resolve().parent / "assets"
    if not (folder / "vx300s_left.xml").is_file():
        raise RuntimeError(f"gym-aloha is installed but its scene files are missing in {folder}")
    return folder


def load_model(scene: str) -> mujoco.MjModel:
    """Compile the MuJoCo model of a scene (a fresh model each call: callers may edit it)."""
    if scene not in SCENES:
        raise ValueError(f"unknown scene {scene!r}; known: {', '.join(SCENES)}")
    origin, file_name = SCENES[scene]
    if origin == "gym_aloha":
        return mujoco.MjModel.from_xml_path(str(gym_aloha_assets() / file_name))
    xml = (_OUR_ASSETS / file_name).read_text()
    return mujoco.MjModel.from_xml_string(xml.replace(_PLACEHOLDER, str(gym_aloha_assets())))
