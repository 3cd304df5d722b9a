"""Cameras built from config entries, and the errors for a bad entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.cameras.factory import make_camera
from drivers.cameras.opencv import OpenCVCamera
from drivers.cameras.realsense import RealSenseCamera
from drivers.cameras.video import VideoFileCamera
from tests.drivers.cameras.helpers import wait_until


def test_opencv_entry_builds_an_opencv_camera() -> None:
    spec = {"type": "opencv", "device": "/dev/v4l/by-id/x", "width": 320, "height": 240, "fps": 15}
    camera = make_camera("cam_high", spec)
    assert isinstance(camera, OpenCVCamera)
    assert (camera.name, camera.device, camera.width, camera.height) == (
        "cam_high", "/dev/v4l/by-id/x", 320, 240,
    )  # fmt: skip
    assert not camera.is_connected


def test_realsense_entry_builds_a_realsense_camera() -> None:
    camera = make_camera("cam_low", {"type": "realsense", "serial": "123", "depth": True})
    assert isinstance(camera, RealSenseCamera)
    assert (camera.serial, camera.depth) == ("123", True)


def test_video_entry_builds_a_camera_that_plays(red_video: Path) -> None:
    camera = make_camera("cam_high", {"type": "video", "path": str(red_video)})
    assert isinstance(camera, VideoFileCamera)
    with camera:
        assert wait_until(lambda: camera.read_latest() is not None)


def test_unknown_type_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"cam_high: unknown type 'usb' \(known types: opencv, "):
        make_camera("cam_high", {"type": "usb", "device": 0})


def test_missing_type_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown type None"):
        make_camera("cam_high", {"device": 0})


def test_missing_required_key_is_named() -> None:
    with pytest.raises(ValueError, match="'realsense' needs serial"):
        make_camera("cam_high", {"type": "realsense"})


def test_misspelt_key_is_named_with_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown key\(s\) widht .*allowed: device, fps, height"):
        make_camera("cam_high", {"type": "opencv", "device": 0, "widht": 640})
