"""RealSense cameras without the hardware: clear errors, and the capture path on a fake SDK."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from drivers.cameras.realsense import RealSenseCamera, import_realsense
from drivers.errors import DeviceError
from tests.drivers.cameras.helpers import wait_until


def test_missing_package_is_a_clear_device_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyrealsense2", None)  # makes the import fail
    with pytest.raises(DeviceError, match="pyrealsense2 cannot be loaded.*pip install"):
        import_realsense()
    with pytest.raises(
        DeviceError, match="cam_high: RealSense support is unavailable: pyrealsense2"
    ):
        RealSenseCamera("cam_high", "123456").connect()


class _FakeFrame:
    def __init__(self, data: np.ndarray) -> None:
        self.data = data

    def get_data(self) -> np.ndarray:
        return self.data


class _FakeFrames:
    def __init__(self, width: int, height: int) -> None:
        self.color = _FakeFrame(np.full((height, width, 3), 7, np.uint8))
        self.depth = _FakeFrame(np.full((height, width), 1234, np.uint16))

    def get_color_frame(self) -> _FakeFrame:
        return self.color

    def get_depth_frame(self) -> _FakeFrame:
        return self.depth


def _fake_realsense(serials: list[str]) -> types.ModuleType:
    """The few pyrealsense2 names the driver uses, answering like one attached camera."""
    rs = types.ModuleType("pyrealsense2")
    rs.camera_info = types.SimpleNamespace(serial_number="serial", name="name")
    rs.stream = types.SimpleNamespace(color="color", depth="depth")
    rs.format = types.SimpleNamespace(rgb8="rgb8", z16="z16")
    devices = [types.SimpleNamespace(get_info=lambda key, s=s: s) for s in serials]
    rs.context = lambda: types.SimpleNamespace(query_devices=lambda: devices)

    class Config:
        def enable_device(self, serial: str) -> None:
            self.serial = serial

        def enable_stream(self, stream: str, width: int, height: int, *_: object) -> None:
            self.size = (width, height)

    class Pipeline:
        def start(self, config: Config) -> object:
            self.size = config.size
            sensor = types.SimpleNamespace(get_depth_scale=lambda: 0.001)
            device = types.SimpleNamespace(first_depth_sensor=lambda: sensor)
            return types.SimpleNamespace(get_device=lambda: device)

        def wait_for_frames(self, timeout_ms: int) -> _FakeFrames:
            return _FakeFrames(*self.size)

        def stop(self) -> None:
            pass

    rs.config, rs.pipeline = Config, Pipeline
    rs.align = lambda stream: types.SimpleNamespace(process=lambda frames: frames)
    return rs


def test_missing_serial_is_named_with_the_attached_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyrealsense2", _fake_realsense(["111"]))
    with pytest.raises(
        DeviceError, match=r"cam_high: no RealSense with serial 999 \(attached: 111"
    ):
        RealSenseCamera("cam_high", "999").connect()


def test_colour_and_depth_frames_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyrealsense2", _fake_realsense(["111"]))
    with RealSenseCamera("cam_high", "111", width=16, height=8, depth=True) as camera:
        assert wait_until(lambda: camera.read_depth() is not None)
        image = camera.read_latest().image
        depth = camera.read_depth()
    assert image.shape == (8, 16, 3) and image.dtype == np.uint8
    assert depth.depth.shape == (8, 16) and depth.depth[0, 0] == 1234
    assert depth.scale_m == pytest.approx(0.001)


@pytest.mark.hardware
def test_first_attached_realsense_streams() -> None:
    from drivers.cameras.discovery import list_realsense_cameras

    cameras = list_realsense_cameras()
    assert cameras, "no RealSense attached"
    with RealSenseCamera("cam_high", cameras[0].serial, depth=True) as camera:
        assert wait_until(lambda: camera.read_latest() is not None, timeout_s=10.0)
        assert wait_until(lambda: camera.read_depth() is not None, timeout_s=10.0)
