"""MuJoCo models of the scenes: gym-aloha's installed files, plus ours that include them."""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import mujoco

from drivers.sim.visual import lighten

_OUR_ASSETS = Path(__file__).resolve().parent / "assets"
_PLACEHOLDER = "@GYM_ALOHA_ASSETS@"

# Scene name -> (where it lives, file name). "gym_aloha" scenes are loaded from the package.
SCENES = {
    "transfer_cube": ("gym_aloha", "bimanual_viperx_transfer_cube.xml"),
    "insertion": ("gym_aloha", "bimanual_viperx_insertion.xml"),
    "pick_color": ("ours", "bimanual_viperx_pick_color.xml"),
    "place_cube": ("ours", "bimanual_viperx_place_cube.xml"),
    "pick_yellow": ("ours", "bimanual_viperx_pick_yellow.xml"),
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


def _xml(scene: str) -> tuple[str | None, str | None]:
    """(path, None) of an installed scene file, or (None, xml text) of one of ours."""
    if scene not in SCENES:
        raise ValueError(f"unknown scene {scene!r}; known: {', '.join(SCENES)}")
    origin, file_name = SCENES[scene]
    if origin == "gym_aloha":
        return str(gym_aloha_assets() / file_name), None
    xml = (_OUR_ASSETS / file_name).read_text()
    return None, xml.replace(_PLACEHOLDER, str(gym_aloha_assets()))


def load_model(scene: str) -> mujoco.MjModel:
    """Compile the MuJoCo model of a scene (a fresh model each call: callers may edit it)."""
    path, xml = _xml(scene)
    if path is not None:
        return mujoco.MjModel.from_xml_path(path)
    return mujoco.MjModel.from_xml_string(xml)


def load_visual_model(scene: str) -> mujoco.MjModel:
    """The scene with simplified arm meshes, for drawing only (a fresh copy each call)."""
    return copy.deepcopy(_visual_model(scene))


@functools.cache
def _visual_model(scene: str) -> mujoco.MjModel:
    path, xml = _xml(scene)
    spec = mujoco.MjSpec.from_file(path) if path is not None else mujoco.MjSpec.from_string(xml)
    lighten(spec, gym_aloha_assets())
    return spec.compile()
