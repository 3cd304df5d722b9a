"""The one interface every camera implements: OpenCV, RealSense, simulated, or video file."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

CAMERA_NAMES = ("cam_high", "cam_low", "cam_left_wrist", "cam_right_wrist")


@dataclass(frozen=True)
class Frame:
    """One image and when it was captured."""

    image: np.ndarray  # (H, W, 3) uint8, RGB
    timestamp: float  # time.monotonic() seconds at capture


class Camera(ABC):
    """A camera that captures in its own thread and keeps only the latest frame."""

    name: str  # one of CAMERA_NAMES

    @abstractmethod
    def connect(self) -> None:
        """Open the device and start capturing; raises `DeviceError` on failure."""

    @abstractmethod
    def disconnect(self) -> None:
        """Stop capturing and release the device. Safe to call twice."""

    @property
    @abstractmethod
    def is_connected(self) -> bool:
        """True between a successful `connect()` and `disconnect()`."""

    @abstractmethod
    def read_latest(self, max_age_ms: float | None = None) -> Frame | None:
        """The newest frame, or None if there is none or it is older than `max_age_ms`."""

    @property
    @abstractmethod
    def fps(self) -> float:
        """Frames per second measured over the last second or so."""

    def __enter__(self) -> Camera:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.disconnect()
