"""USB cameras through OpenCV (V4L2 on Linux), by index or by a stable /dev/v4l/by-id path."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import cv2
import numpy as np

from drivers.cameras.threaded import CaptureTiming, ThreadedCamera, check_mode
from drivers.errors import DeviceError

log = logging.getLogger(__name__)

_BACKEND = cv2.CAP_V4L2 if sys.platform.startswith("linux") else cv2.CAP_ANY
READ_TIMEOUT_MS = 1000  # a V4L2 read waits this long before failing (OpenCV's default is 10 s)


class OpenCVCamera(ThreadedCamera):
    """A webcam read with cv2.VideoCapture in MJPG at the asked size and rate; frames are RGB."""

    def __init__(
        self,
        name: str,
        device: int | str,
        width: int = 640,
        height: int = 480,
        fps: float = 30,
        timing: CaptureTiming | None = None,
    ) -> None:
        check_mode(name, width, height, fps)
        super().__init__(name, timing)
        self.device = device  # an index, or a path such as /dev/v4l/by-id/usb-...-video-index0
        self.width, self.height, self.requested_fps = width, height, fps
        self._capture: cv2.VideoCapture | None = None

    def _open(self) -> None:
        capture = cv2.VideoCapture(self._source(), _BACKEND)
        if not capture.isOpened():
            capture.release()
            raise DeviceError(
                f"camera {self.name}: cannot open video device {self.device} "
                "(unplugged, in use by another program, or no permission: the 'video' group)"
            )
        # Order matters for V4L2: the pixel format before the size and rate it constrains.
        capture.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*"MJPG"))
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        capture.set(cv2.CAP_PROP_FPS, self.requested_fps)
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # the newest frame, not one queued behind others
        if hasattr(cv2, "CAP_PROP_READ_TIMEOUT_MSEC"):
            capture.set(cv2.CAP_PROP_READ_TIMEOUT_MSEC, READ_TIMEOUT_MS)
        self._warn_if_mode_differs(capture)
        self._capture = capture

    def _source(self) -> int | str:
        """The device to hand OpenCV, after checking it exists so the error can name it."""
        if isinstance(self.device, str):
            path = Path(self.device)
            if not path.exists():
                raise DeviceError(f"camera {self.name}: no video device at {self.device}")
            return str(path.resolve())  # by-id links point at /dev/videoN, which V4L2 expects
        node = Path(f"/dev/video{self.device}")
        if sys.platform.startswith("linux") and not node.exists():
            raise DeviceError(f"camera {self.name}: no video device {node} (index {self.device})")
        return self.device

    def _warn_if_mode_differs(self, capture: cv2.VideoCapture) -> None:
        got = (
            int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
            int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
        )
        if got != (self.width, self.height):
            log.warning(
                "camera %s: asked %dx%d, device gives %dx%d",
                self.name,
                self.width,
                self.height,
                *got,
            )

    def _grab(self) -> np.ndarray:
        if self._capture is None:
            raise DeviceError(f"camera {self.name}: device {self.device} is not open")
        ok, bgr = self._capture.read()
        if not ok or bgr is None:
            raise DeviceError(f"camera {self.name}: no frame from {self.device}")
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

    def _close(self) -> None:
        capture, self._capture = self._capture, None
        if capture is not None:
            capture.release()
