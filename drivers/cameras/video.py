"""A video file played as a camera, at its own frame rate: for tests, demos and replays."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import cv2
import numpy as np

from drivers.cameras.pacing import FramePacer
from drivers.cameras.threaded import CaptureTiming, EndOfStreamError, ThreadedCamera
from drivers.errors import DeviceError

log = logging.getLogger(__name__)

FALLBACK_FPS = 30.0  # for files whose header gives no usable frame rate


class VideoFileCamera(ThreadedCamera):
    """Plays `path` frame by frame at its native fps (or `fps`), looping unless `loop=False`."""

    def __init__(
        self,
        name: str,
        path: str | Path,
        loop: bool = True,
        fps: float | None = None,
        timing: CaptureTiming | None = None,
    ) -> None:
        if fps is not None and fps <= 0:
            raise ValueError(f"camera {name}: fps must be positive")
        super().__init__(name, timing)
        self.path = Path(path)
        self.loop = loop
        self.requested_fps = fps
        self.source_fps = math.nan  # the rate written in the file, known after connect
        self._capture: cv2.VideoCapture | None = None
        self._pacer: FramePacer | None = None

    def _open(self) -> None:
        if not self.path.is_file():
            raise DeviceError(f"camera {self.name}: no video file at {self.path}")
        capture = cv2.VideoCapture(str(self.path))
        if not capture.isOpened():
            capture.release()
            raise DeviceError(f"camera {self.name}: cannot decode video file {self.path}")
        self._capture = capture
        self.source_fps = capture.get(cv2.CAP_PROP_FPS)
        self._pacer = FramePacer(self.requested_fps or self._usable_source_fps(), self._stop)

    def _usable_source_fps(self) -> float:
        if math.isfinite(self.source_fps) and 0 < self.source_fps <= 1000:
            return self.source_fps
        log.warning(
            "camera %s: %s has no frame rate; playing at %g fps", self.name, self.path, FALLBACK_FPS
        )
        return FALLBACK_FPS

    def _grab(self) -> np.ndarray:
        if self._capture is None or self._pacer is None:
            raise DeviceError(f"camera {self.name}: video file {self.path} is not open")
        self._pacer.wait()
        ok, bgr = self._capture.read()
        if not ok and self.loop:
            # Reopening is more reliable than seeking back for every container and codec.
            self._capture.release()
            self._capture = cv2.VideoCapture(str(self.path))
            ok, bgr = self._capture.read()
        if not ok:
            if self.loop:
                raise DeviceError(f"camera {self.name}: no frame from video file {self.path}")
            raise EndOfStreamError
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

    def _close(self) -> None:
        capture, self._capture = self._capture, None
        if capture is not None:
            capture.release()
