"""A camera that plays frames from a numpy array, and can be "unplugged" by a test."""

from __future__ import annotations

import numpy as np

from drivers.cameras.pacing import FramePacer
from drivers.cameras.threaded import CaptureTiming, EndOfStreamError, ThreadedCamera
from drivers.errors import DeviceError


class ArrayCamera(ThreadedCamera):
    """Plays `frames` (N, H, W, 3) uint8 RGB at `fps`; `unplug()`/`replug()` fake a lost cable."""

    def __init__(
        self,
        name: str,
        frames: np.ndarray,
        fps: float = 30.0,
        loop: bool = True,
        timing: CaptureTiming | None = None,
    ) -> None:
        frames = np.asarray(frames)
        if frames.ndim == 3:
            frames = frames[None]
        if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8 or not len(frames):
            raise ValueError(f"camera {name}: frames must be (N, H, W, 3) uint8, N >= 1")
        super().__init__(name, timing)
        self.frames = frames
        self.loop = loop
        self.requested_fps = fps
        self._pacer = FramePacer(fps, self._stop)
        self._index = 0
        self._plugged = True

    def unplug(self) -> None:
        """Make the source stop delivering and refuse to reopen, like a pulled USB cable."""
        self._plugged = False

    def replug(self) -> None:
        """Let the source deliver again; the capture thread finds it on its next retry."""
        self._plugged = True

    def _open(self) -> None:
        if not self._plugged:
            raise DeviceError(f"camera {self.name}: unplugged")
        self._pacer.restart()

    def _grab(self) -> np.ndarray:
        self._pacer.wait()
        if not self._plugged:
            raise DeviceError(f"camera {self.name}: unplugged")
        if self._index >= len(self.frames):
            if not self.loop:
                raise EndOfStreamError
            self._index = 0
        image = self.frames[self._index].copy()  # callers may draw on it; the source stays intact
        self._index += 1
        return image

    def _close(self) -> None:
        pass  # nothing to release
