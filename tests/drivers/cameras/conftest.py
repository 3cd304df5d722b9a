"""The test video fixture shared by the camera tests."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.drivers.cameras.helpers import VIDEO_FPS, VIDEO_SIZE


@pytest.fixture
def red_video(tmp_path: Path) -> Path:
    """An MJPG .avi of 20 pure red frames at 25 fps."""
    path = tmp_path / "red.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), VIDEO_FPS, VIDEO_SIZE)
    assert writer.isOpened()
    red_bgr = np.zeros((VIDEO_SIZE[1], VIDEO_SIZE[0], 3), np.uint8)
    red_bgr[..., 2] = 255
    for _ in range(20):
        writer.write(red_bgr)
    writer.release()
    return path
