"""The latest frame of every camera as the control loop last saw it, and camera health."""

from __future__ import annotations

import time

import numpy as np

from app.runtime.snapshot import CameraStatus
from drivers.camera import Camera, Frame

STALE_MS = 500.0  # a camera frame older than this is reported stale


class CameraFeed:
    """Polled by the loop (never blocks); read from any thread without a lock.

    The dicts are replaced, never mutated, so a reader always holds a consistent set.
    """

    def __init__(self, cameras: dict[str, Camera]) -> None:
        self.cameras = cameras
        self.frames: dict[str, Frame] = {}
        self.images: dict[str, np.ndarray] = {}

    def poll(self) -> None:
        """Take each camera's newest frame, if it has a new one."""
        frames = dict(self.frames)
        changed = False
        for name, camera in self.cameras.items():
            frame = camera.read_latest()
            if frame is not None and frame is not frames.get(name):
                frames[name] = frame
                changed = True
        if changed:
            self.images = {name: frame.image for name, frame in frames.items()}
            self.frames = frames

    @property
    def complete(self) -> bool:
        """True once every camera has delivered a frame."""
        return len(self.images) == len(self.cameras)

    def shapes(self) -> dict[str, tuple[int, int]] | None:
        """(H, W) per camera, or None while a camera has not delivered yet."""
        images = self.images
        if len(images) != len(self.cameras):
            return None
        return {name: tuple(image.shape[:2]) for name, image in images.items()}

    def status(self) -> dict[str, CameraStatus]:
        """Measured fps, age of the latest frame and staleness of each camera."""
        now, frames, status = time.monotonic(), self.frames, {}
        for name, camera in self.cameras.items():
            frame = frames.get(name)
            age_ms = (now - frame.timestamp) * 1000.0 if frame is not None else float("inf")
            status[name] = CameraStatus(fps=camera.fps, age_ms=age_ms, stale=age_ms > STALE_MS)
        return status
