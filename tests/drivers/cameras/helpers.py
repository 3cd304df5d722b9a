"""Helpers for the camera tests: a polling wait, test frames, quick retry timing."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from drivers.cameras.threaded import CaptureTiming

VIDEO_FPS = 25.0
VIDEO_SIZE = (64, 48)  # width, height of the test video
FAST_RETRY = CaptureTiming(retry_first_s=0.02, retry_max_s=0.1)


def wait_until(condition: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    """Poll `condition` until it holds; a generous timeout, never a timing assertion."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def gradient_frames(count: int = 4, height: int = 8, width: int = 12) -> np.ndarray:
    """(count, H, W, 3) uint8 frames, frame i filled with the value 10 * i."""
    return np.stack([np.full((height, width, 3), 10 * i, np.uint8) for i in range(count)])
