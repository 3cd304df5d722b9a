"""Which cameras are attached: V4L2 video devices (from sysfs, no opening) and RealSense serials."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DEV_ROOT = Path("/dev")
SYSFS_ROOT = Path("/sys/class/video4linux")


@dataclass(frozen=True)
class CameraInfo:
    """One attached camera, with what to write in a camera config entry to use it."""

    kind: str  # "opencv" or "realsense"
    device: str  # /dev/v4l/by-id/... when there is one, else /dev/videoN; the serial for realsense
    label: str  # the product name the device reports
    node: str = ""  # /dev/videoN for opencv devices
    serial: str = ""  # realsense serial number

    def spec(self) -> dict[str, str]:
        """The config entry that opens this camera with `factory.make_camera`."""
        if self.kind == "realsense":
            return {"type": "realsense", "serial": self.serial}
        return {"type": "opencv", "device": self.device}


def list_cameras() -> list[CameraInfo]:
    """Every camera found now; an empty list, never an error, when nothing is attached."""
    return [*list_opencv_cameras(), *list_realsense_cameras()]


def list_opencv_cameras(
    dev_root: Path = DEV_ROOT, sysfs_root: Path = SYSFS_ROOT
) -> list[CameraInfo]:
    """Video capture nodes under `dev_root`, named by their stable /dev/v4l/by-id links."""
    try:
        nodes = sorted(dev_root.glob("video[0-9]*"), key=_node_number)
        by_id = _links_by_target(dev_root / "v4l" / "by-id")
        cameras = []
        for node in nodes:
            sysfs = sysfs_root / node.name
            # UVC webcams expose a second node per camera for metadata only; its index is not 0.
            if _read(sysfs / "index", "0") != "0":
                continue
            label = _read(sysfs / "name", node.name)
            device = by_id.get(node.name, str(node))
            cameras.append(CameraInfo("opencv", device, label, node=str(node)))
        return cameras
    except OSError as exc:
        log.debug("listing video devices failed: %s", exc)
        return []


def list_realsense_cameras() -> list[CameraInfo]:
    """RealSense devices by serial; empty when pyrealsense2 is missing or cannot load."""
    try:
        import pyrealsense2 as rs

        return [
            CameraInfo(
                "realsense",
                dev.get_info(rs.camera_info.serial_number),
                dev.get_info(rs.camera_info.name),
                serial=dev.get_info(rs.camera_info.serial_number),
            )
            for dev in rs.context().query_devices()
        ]
    except Exception as exc:  # a missing package, native library or USB backend: no RealSense
        log.debug("no RealSense listing: %s", exc)
        return []


def _links_by_target(folder: Path) -> dict[str, str]:
    """videoN -> the by-id link pointing at it (index0 links first, so they win)."""
    if not folder.is_dir():
        return {}
    links: dict[str, str] = {}
    for link in sorted(folder.iterdir(), key=lambda p: "index0" not in p.name):
        links.setdefault(link.resolve().name, str(link))
    return links


def _node_number(node: Path) -> int:
    match = re.search(r"(\d+)$", node.name)
    return int(match.group(1)) if match else -1


def _read(path: Path, default: str) -> str:
    try:
        return path.read_text().strip() or default
    except OSError:
        return default
