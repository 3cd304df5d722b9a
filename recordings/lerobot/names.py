"""Matching a LeRobot dataset's names to ours: joints by name, cameras through a name map."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping

import numpy as np

from recordings import layout as hdf5_layout
from recordings.lerobot.layout import DEFAULT_CAMERA_MAP, camera_key

log = logging.getLogger(__name__)

_SIDES = ("left", "right")


def flat_names(names: object) -> list[str] | None:
    """A feature's `names` as one flat list: a list, a list of lists, or {"motors": [...]}."""
    if names is None:
        return None
    if isinstance(names, Mapping):
        values = list(names.values())
        return flat_names(values[0] if len(values) == 1 else values)
    if isinstance(names, str):
        return [names]
    flat: list[str] = []
    for item in names:
        inner = flat_names(item)
        if inner is None:
            return None
        flat.extend(inner)
    return flat


def aloha_order(names: list[str] | None, width: int) -> np.ndarray | None:
    """Column order that puts named joints in ALOHA's order (left arm first), or None if the
    names are not ALOHA's 14 joints (the columns are then taken as they are)."""
    if names is None or len(names) != width or width != hdf5_layout.STATE_DIM:
        return None
    keys = [_joint_key(name) for name in names]
    if None in keys or len(set(keys)) != len(keys):
        return None
    position = {key: i for i, key in enumerate(keys)}
    wanted = [(side, joint) for side in _SIDES for joint in hdf5_layout.ARM_JOINTS]
    if set(wanted) != set(position):
        return None
    order = np.array([position[key] for key in wanted])
    return None if (order == np.arange(width)).all() else order


def _joint_key(name: str) -> tuple[str, str] | None:
    """("left", "wrist_angle") from names like `left_wrist_angle`, `Left Wrist Angle`,
    `wrist_angle_left`, `left_arm_wrist_angle`; None when the name has no side or joint."""
    tokens = [t for t in re.split(r"[^a-z0-9]+", name.lower()) if t]
    sides = [t for t in tokens if t in _SIDES]
    if len(sides) != 1:
        return None
    rest = "_".join(t for t in tokens if t not in _SIDES and t != "arm")
    return (sides[0], rest) if rest in hdf5_layout.ARM_JOINTS else None


def parse_camera_map(text: str | Iterable[str] | Mapping[str, str] | None) -> dict[str, str]:
    """`top=cam_high,wrist=cam_left_wrist` (or a dict) as {their name: ours}."""
    if text is None:
        return {}
    if isinstance(text, Mapping):
        return {str(k): str(v) for k, v in text.items()}
    parts = text.split(",") if isinstance(text, str) else list(text)
    mapping = {}
    for part in (p.strip() for p in parts):
        if not part:
            continue
        theirs, sep, ours = part.partition("=")
        if not sep or not theirs.strip() or not ours.strip():
            raise ValueError(f"--camera-map expects THEIRS=OURS pairs, got {part!r}")
        mapping[theirs.strip()] = ours.strip()
    return mapping


def camera_names(
    video_keys: Iterable[str], camera_map: Mapping[str, str] | None = None
) -> dict[str, str]:
    """{our camera name: their feature key}. A map entry may name the key or its short name."""
    given = dict(camera_map or {})
    ours: dict[str, str] = {}
    for key in video_keys:
        short = camera_key(key)
        name = given.get(key) or given.get(short) or DEFAULT_CAMERA_MAP.get(short) or short
        if name in ours:
            raise ValueError(
                f"cameras {ours[name]} and {key} would both be called {name}: give --camera-map"
            )
        ours[name] = key
    return ours


def unknown_map_entries(
    video_keys: Iterable[str], camera_map: Mapping[str, str] | None
) -> list[str]:
    """Entries of a camera map that name no camera of the dataset."""
    keys = list(video_keys)
    known = set(keys) | {camera_key(k) for k in keys}
    return [name for name in (camera_map or {}) if name not in known]
