"""Camera discovery reads sysfs and /dev without opening anything, and never raises."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from drivers.cameras.discovery import (
    CameraInfo,
    list_cameras,
    list_opencv_cameras,
    list_realsense_cameras,
)


def _fake_video_tree(root: Path) -> tuple[Path, Path]:
    """Two UVC webcams (capture + metadata nodes each), one with a by-id link."""
    dev, sysfs = root / "dev", root / "sys"
    (dev / "v4l" / "by-id").mkdir(parents=True)
    for number, (name, index) in enumerate(
        [("C922 Pro", "0"), ("C922 Pro", "1"), ("Arducam", "0"), ("Arducam", "1")]
    ):
        (dev / f"video{number}").touch()
        (sysfs / f"video{number}").mkdir(parents=True)
        (sysfs / f"video{number}" / "name").write_text(name + "\n")
        (sysfs / f"video{number}" / "index").write_text(index + "\n")
    by_id = dev / "v4l" / "by-id"
    (by_id / "usb-046d_C922_Pro-video-index0").symlink_to(dev / "video0")
    (by_id / "usb-046d_C922_Pro-video-index1").symlink_to(dev / "video1")
    return dev, sysfs


def test_capture_nodes_are_listed_by_their_by_id_path(tmp_path: Path) -> None:
    dev, sysfs = _fake_video_tree(tmp_path)
    cameras = list_opencv_cameras(dev, sysfs)
    assert [(c.label, c.node) for c in cameras] == [
        ("C922 Pro", str(dev / "video0")),
        ("Arducam", str(dev / "video2")),
    ]
    assert cameras[0].device == str(dev / "v4l" / "by-id" / "usb-046d_C922_Pro-video-index0")
    assert cameras[1].device == str(dev / "video2")  # no by-id link: the node itself
    assert cameras[0].spec() == {"type": "opencv", "device": cameras[0].device}


def test_no_video_devices_gives_an_empty_list(tmp_path: Path) -> None:
    assert list_opencv_cameras(tmp_path / "dev", tmp_path / "sys") == []


def test_realsense_listing_is_empty_when_the_package_cannot_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pyrealsense2", None)
    assert list_realsense_cameras() == []


def test_list_cameras_on_this_machine_returns_camera_infos() -> None:
    cameras = list_cameras()
    assert all(isinstance(c, CameraInfo) for c in cameras)


def test_realsense_spec_uses_the_serial() -> None:
    info = CameraInfo("realsense", "123", "Intel RealSense D405", serial="123")
    assert info.spec() == {"type": "realsense", "serial": "123"}
