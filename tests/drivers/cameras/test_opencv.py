"""OpenCV cameras: a missing device is named in the error; a real one streams (hardware only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.cameras.discovery import list_opencv_cameras
from drivers.cameras.opencv import OpenCVCamera
from drivers.errors import DeviceError
from tests.drivers.cameras.helpers import wait_until


def test_missing_by_id_path_is_a_device_error_naming_it(tmp_path: Path) -> None:
    device = str(tmp_path / "usb-Logitech_C922-video-index0")
    camera = OpenCVCamera("cam_high", device)
    with pytest.raises(DeviceError, match=r"cam_high: no video device at .*C922-video-index0$"):
        camera.connect()
    assert not camera.is_connected


def test_missing_index_is_a_device_error_naming_it() -> None:
    camera = OpenCVCamera("cam_low", 97)
    with pytest.raises(DeviceError, match="cam_low.*97"):
        camera.connect()


def test_a_path_that_is_not_a_camera_cannot_be_opened(tmp_path: Path) -> None:
    not_a_camera = tmp_path / "video0"
    not_a_camera.write_bytes(b"")
    with pytest.raises(DeviceError, match="cannot open video device"):
        OpenCVCamera("cam_high", str(not_a_camera)).connect()


def test_nonsense_capture_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="cam_high"):
        OpenCVCamera("cam_high", 0, width=0)


@pytest.mark.hardware
def test_first_attached_webcam_streams_rgb_frames() -> None:
    cameras = list_opencv_cameras()
    assert cameras, "no /dev/video* capture device attached"
    with OpenCVCamera("cam_high", cameras[0].device, 640, 480, 30) as camera:
        assert wait_until(lambda: camera.read_latest() is not None, timeout_s=10.0)
        frame = camera.read_latest()
        assert frame.image.ndim == 3 and frame.image.shape[2] == 3
        assert wait_until(lambda: camera.fps > 5, timeout_s=10.0)
