"""Intel RealSense cameras by serial number: the colour stream, and optionally aligned depth."""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from types import ModuleType

import numpy as np

from drivers.cameras.threaded import CaptureTiming, ThreadedCamera, check_mode
from drivers.errors import DeviceError

WAIT_TIMEOUT_MS = 1000  # a frame wait fails after this long, so a pulled cable is noticed


@dataclass(frozen=True)
class DepthFrame:
    """One depth image aligned to the colour image, and when it was captured."""

    depth: np.ndarray  # (H, W) uint16, in units of `scale_m` metres
    scale_m: float  # metres per depth unit (usually 0.001)
    timestamp: float  # time.monotonic() seconds at capture


def import_realsense(who: str = "RealSense") -> ModuleType:
    """The pyrealsense2 module, or a `DeviceError` saying why `who` cannot use it."""
    try:
        import pyrealsense2
    except (ImportError, OSError) as exc:  # OSError: the wheel's native libraries (libusb)
        raise DeviceError(
            f"{who}: RealSense support is unavailable: pyrealsense2 cannot be loaded ({exc}); "
            "install it with `pip install pyrealsense2` (x86_64) and libusb-1.0"
        ) from exc
    return pyrealsense2


def connected_serials(rs: ModuleType) -> list[str]:
    """Serial numbers of the RealSense devices attached now."""
    return [dev.get_info(rs.camera_info.serial_number) for dev in rs.context().query_devices()]


class RealSenseCamera(ThreadedCamera):
    """A RealSense colour stream in RGB; with `depth=True` a depth frame is kept beside it."""

    def __init__(
        self,
        name: str,
        serial: str,
        width: int = 640,
        height: int = 480,
        fps: float = 30,
        depth: bool = False,
        timing: CaptureTiming | None = None,
    ) -> None:
        check_mode(name, width, height, fps)
        super().__init__(name, timing)
        self.serial = str(serial)
        self.width, self.height, self.requested_fps = width, height, int(fps)
        self.depth = depth
        self._pipeline = None
        self._align = None
        self._depth_scale = 0.0
        self._depth_lock = threading.Lock()
        self._latest_depth: DepthFrame | None = None

    def read_depth(self, max_age_ms: float | None = None) -> DepthFrame | None:
        """The newest depth frame (None without `depth=True`, before any, or when too old)."""
        with self._depth_lock:
            frame = self._latest_depth
        if frame is None:
            return None
        if max_age_ms is not None and (time.monotonic() - frame.timestamp) * 1000 > max_age_ms:
            return None
        return frame

    def _open(self) -> None:
        rs = import_realsense(f"camera {self.name}")
        serials = connected_serials(rs)
        if self.serial not in serials:
            found = ", ".join(serials) or "none"
            raise DeviceError(
                f"camera {self.name}: no RealSense with serial {self.serial} (attached: {found})"
            )
        config = rs.config()
        config.enable_device(self.serial)
        size = (self.width, self.height)
        config.enable_stream(rs.stream.color, *size, rs.format.rgb8, self.requested_fps)
        if self.depth:
            config.enable_stream(rs.stream.depth, *size, rs.format.z16, self.requested_fps)
        pipeline = rs.pipeline()
        try:
            profile = pipeline.start(config)
        except RuntimeError as exc:
            raise DeviceError(f"camera {self.name}: RealSense {self.serial}: {exc}") from exc
        if self.depth:
            self._depth_scale = profile.get_device().first_depth_sensor().get_depth_scale()
            self._align = rs.align(rs.stream.color)
        self._pipeline = pipeline

    def _grab(self) -> np.ndarray:
        if self._pipeline is None:
            raise DeviceError(f"camera {self.name}: RealSense {self.serial} is not open")
        frames = self._pipeline.wait_for_frames(WAIT_TIMEOUT_MS)
        if self._align is not None:
            frames = self._align.process(frames)
            self._keep_depth(frames.get_depth_frame())
        color = frames.get_color_frame()
        if not color:
            raise DeviceError(f"camera {self.name}: RealSense {self.serial} sent no colour frame")
        return np.asanyarray(color.get_data()).copy()  # the SDK reuses its buffer

    def _keep_depth(self, depth_frame: object) -> None:
        if not depth_frame:
            return
        depth = np.asanyarray(depth_frame.get_data()).copy()
        frame = DepthFrame(depth=depth, scale_m=self._depth_scale, timestamp=time.monotonic())
        with self._depth_lock:
            self._latest_depth = frame

    def _close(self) -> None:
        pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:
            with contextlib.suppress(RuntimeError):  # already stopped, or the device is gone
                pipeline.stop()
