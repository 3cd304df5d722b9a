"""Builds a camera from one entry of the robot's camera config table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drivers.camera import Camera
from drivers.cameras.opencv import OpenCVCamera
from drivers.cameras.realsense import RealSenseCamera
from drivers.cameras.video import VideoFileCamera

# type -> (class, keys that must be given, keys that may be given)
CAMERA_TYPES: dict[str, tuple[Callable[..., Camera], set[str], set[str]]] = {
    "opencv": (OpenCVCamera, {"device"}, {"width", "height", "fps"}),
    "realsense": (RealSenseCamera, {"serial"}, {"width", "height", "fps", "depth"}),
    "video": (VideoFileCamera, {"path"}, {"loop", "fps"}),
}


def make_camera(name: str, spec: dict[str, Any]) -> Camera:
    """A camera from e.g. `{type="opencv", device="/dev/v4l/by-id/...", width=640, fps=30}`."""
    kind = spec.get("type")
    if kind not in CAMERA_TYPES:
        known = ", ".join(sorted(CAMERA_TYPES))
        raise ValueError(f"camera {name}: unknown type {kind!r} (known types: {known})")
    camera_class, required, optional = CAMERA_TYPES[kind]
    options = {key: value for key, value in spec.items() if key != "type"}
    missing = sorted(required - options.keys())
    if missing:
        raise ValueError(f"camera {name}: type {kind!r} needs {', '.join(missing)}")
    unknown = sorted(options.keys() - required - optional)
    if unknown:
        allowed = ", ".join(sorted(required | optional))
        raise ValueError(
            f"camera {name}: unknown key(s) {', '.join(unknown)} for type {kind!r} "
            f"(allowed: {allowed})"
        )
    return camera_class(name, **options)
