"""The video-file camera: RGB frames of the file's size at about the file's frame rate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from drivers.cameras.video import VideoFileCamera
from drivers.errors import DeviceError
from tests.drivers.cameras.helpers import VIDEO_FPS, VIDEO_SIZE, wait_until


def test_frames_are_rgb_uint8_of_the_file_size(red_video: Path) -> None:
    with VideoFileCamera("cam_high", red_video) as camera:
        assert wait_until(lambda: camera.read_latest() is not None)
        image = camera.read_latest().image
    assert image.shape == (VIDEO_SIZE[1], VIDEO_SIZE[0], 3)
    assert image.dtype == np.uint8
    red, green, blue = image[..., 0].mean(), image[..., 1].mean(), image[..., 2].mean()
    assert red > 200 and green < 50 and blue < 50  # BGR from OpenCV was turned into RGB


def test_measured_fps_is_near_the_file_rate(red_video: Path) -> None:
    with VideoFileCamera("cam_high", red_video) as camera:
        assert camera.source_fps == pytest.approx(VIDEO_FPS)
        # The file loops, so after a full window the rate settles; bounds are loose on purpose.
        assert wait_until(lambda: VIDEO_FPS * 0.5 < camera.fps < VIDEO_FPS * 1.5, timeout_s=8.0)


def test_given_fps_overrides_the_file_rate(red_video: Path) -> None:
    with VideoFileCamera("cam_high", red_video, fps=10) as camera:
        assert wait_until(lambda: 5 < camera.fps < 15, timeout_s=8.0)


def test_played_once_the_stream_ends_and_goes_stale(red_video: Path) -> None:
    with VideoFileCamera("cam_high", red_video, loop=False, fps=200) as camera:
        assert wait_until(lambda: camera.status == "ended")
        assert wait_until(lambda: camera.is_stale)
        assert camera.read_latest() is not None  # the last frame is still there, just old


def test_missing_file_is_a_device_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope.avi"
    with pytest.raises(DeviceError, match="nope.avi"):
        VideoFileCamera("cam_low", missing).connect()


def test_undecodable_file_is_a_device_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.avi"
    junk.write_bytes(b"not a video")
    with pytest.raises(DeviceError, match="junk.avi"):
        VideoFileCamera("cam_low", junk).connect()
