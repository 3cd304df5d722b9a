"""The shared capture thread, through the array camera: latest frame, staleness, reconnection."""

from __future__ import annotations

import numpy as np
import pytest

from drivers.cameras.in_memory import ArrayCamera
from drivers.cameras.threaded import CaptureTiming
from drivers.errors import DeviceError, NotConnectedError
from tests.drivers.cameras.helpers import FAST_RETRY, gradient_frames, wait_until


def test_read_latest_gives_the_newest_frame_and_a_copy() -> None:
    frames = gradient_frames()
    with ArrayCamera("cam_high", frames, fps=100) as camera:
        assert wait_until(lambda: camera.read_latest() is not None)
        frame = camera.read_latest()
        assert frame.image.shape == frames.shape[1:]
        frame.image[:] = 255
    assert frames.max() == 30  # drawing on a frame leaves the source intact


def test_read_latest_returns_none_for_a_frame_older_than_max_age() -> None:
    camera = ArrayCamera("cam_high", gradient_frames(), fps=100, timing=FAST_RETRY)
    with camera:
        assert wait_until(lambda: camera.read_latest(max_age_ms=1000) is not None)
        camera.unplug()
        assert wait_until(lambda: camera.age_ms > 60)
        assert camera.read_latest(max_age_ms=50) is None
        assert camera.read_latest() is not None  # without a limit the old frame is still given


def test_unplugged_camera_is_reported_stale_and_reads_do_not_raise() -> None:
    camera = ArrayCamera("cam_left_wrist", gradient_frames(), fps=100, timing=FAST_RETRY)
    with camera:
        assert wait_until(lambda: camera.status == "streaming")
        camera.unplug()
        assert wait_until(lambda: camera.is_stale)
        assert camera.timing.stale_after_s <= 0.5  # the threshold the issue asks for
        assert camera.status in ("stale", "reconnecting")
        assert camera.read_latest(max_age_ms=100) is None
        assert "unplugged" in camera.last_error
        assert camera.is_connected  # still connected: it keeps trying in the background


def test_camera_comes_back_after_replug() -> None:
    camera = ArrayCamera("cam_right_wrist", gradient_frames(), fps=100, timing=FAST_RETRY)
    with camera:
        assert wait_until(lambda: camera.read_latest() is not None)
        camera.unplug()
        assert wait_until(lambda: camera.status == "reconnecting")
        camera.replug()
        assert wait_until(lambda: camera.reconnects == 1)
        assert wait_until(lambda: camera.read_latest(max_age_ms=100) is not None)
        assert not camera.is_stale


def test_fps_falls_to_zero_when_frames_stop() -> None:
    timing = CaptureTiming(fps_window_s=0.3, retry_first_s=0.02, retry_max_s=0.1)
    camera = ArrayCamera("cam_high", gradient_frames(), fps=100, timing=timing)
    with camera:
        assert wait_until(lambda: camera.fps > 0)
        camera.unplug()
        assert wait_until(lambda: camera.fps == 0.0)


def test_played_once_the_array_ends() -> None:
    camera = ArrayCamera("cam_low", gradient_frames(count=3), fps=200, loop=False)
    with camera:
        assert wait_until(lambda: camera.status == "ended")
        assert camera.read_latest().image[0, 0, 0] == 20  # the last frame stays


def test_disconnect_twice_is_safe_and_reads_after_it_raise() -> None:
    camera = ArrayCamera("cam_high", gradient_frames(), fps=100)
    camera.connect()
    camera.disconnect()
    camera.disconnect()
    assert not camera.is_connected
    assert camera.status == "disconnected"
    with pytest.raises(NotConnectedError, match="cam_high"):
        camera.read_latest()


def test_connect_fails_in_the_callers_thread_when_unplugged() -> None:
    camera = ArrayCamera("cam_high", gradient_frames())
    camera.unplug()
    with pytest.raises(DeviceError, match="cam_high: unplugged"):
        camera.connect()
    assert not camera.is_connected


def test_reconnect_can_follow_disconnect() -> None:
    camera = ArrayCamera("cam_high", gradient_frames(), fps=100)
    with camera:
        assert wait_until(lambda: camera.read_latest() is not None)
    with camera:
        assert camera.is_connected
        assert wait_until(lambda: camera.read_latest() is not None)


@pytest.mark.parametrize("bad", [np.zeros((2, 4, 4), np.uint8), np.zeros((1, 4, 4, 3), np.float32)])
def test_array_camera_refuses_frames_that_are_not_rgb_uint8(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="uint8"):
        ArrayCamera("cam_high", bad)


def test_timing_config_is_checked() -> None:
    with pytest.raises(ValueError):
        CaptureTiming(retry_first_s=3.0, retry_max_s=1.0)
