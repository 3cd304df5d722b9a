"""Live camera views in a grid: labelled, with fps; a stale camera greys out with a message."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.runtime.snapshot import CameraStatus
from app.ui.images import to_qimage
from app.ui.layouts import set_style
from drivers.camera import Frame

COLUMNS = 2
TITLE_STYLE = "font-weight: bold;"
STALE_STYLE = "font-weight: bold; color: #c62828;"


class CameraView(QWidget):
    """One camera: its name and fps above the latest image."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.title = QLabel(name)
        self.title.setStyleSheet(TITLE_STYLE)
        self.image = QLabel("waiting for frames…")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumSize(QSize(160, 120))
        self.image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.image.setStyleSheet("background: #202020; color: #bbbbbb;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.image, 1)
        self.stale = False
        self._last_timestamp: float | None = None
        self._pixmap: QPixmap | None = None

    def show_frame(self, frame: Frame | None, status: CameraStatus | None) -> None:
        """Show `frame` (skipped when already shown) and the camera's health."""
        self.stale = status.stale if status is not None else frame is None
        if status is None:  # a recorded frame: no live health to show
            title, style = self.name, TITLE_STYLE
        elif self.stale:
            age_s = status.age_ms / 1000
            title = f"{self.name} · {status.fps:4.1f} fps · STALE ({age_s:.1f} s old)"
            style = STALE_STYLE
        else:
            title, style = f"{self.name} · {status.fps:4.1f} fps", TITLE_STYLE
        self.title.setText(title)
        set_style(self.title, style)
        if frame is not None and frame.timestamp != self._last_timestamp:
            self._last_timestamp = frame.timestamp
            self._pixmap = QPixmap.fromImage(to_qimage(frame.image))
            self._draw()
        elif frame is None and self._pixmap is None:
            self.image.setText("no image from this camera")
        self.image.setEnabled(not self.stale)  # a disabled QLabel draws its pixmap greyed out

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        """Rescale the last image to the new size."""
        super().resizeEvent(event)
        self._draw()

    def _draw(self) -> None:
        if self._pixmap is None:
            return
        size = self.image.size()
        self.image.setPixmap(
            self._pixmap.scaled(
                size,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )


class CameraGrid(QWidget):
    """All cameras of the robot, two per row; views appear as cameras are first seen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.views: dict[str, CameraView] = {}
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._placeholder = QLabel("No cameras yet: the robot is not connected.")
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._layout.addWidget(self._placeholder, 0, 0)

    def show_frames(self, frames: dict[str, Frame], statuses: dict[str, CameraStatus]) -> None:
        """Update every view from one snapshot."""
        for name in sorted(set(frames) | set(statuses), key=_camera_order):
            if name not in self.views:
                self._add_view(name)
            self.views[name].show_frame(frames.get(name), statuses.get(name))

    def _add_view(self, name: str) -> None:
        self._placeholder.hide()
        view = CameraView(name, self)
        index = len(self.views)
        self._layout.addWidget(view, index // COLUMNS, index % COLUMNS)
        self.views[name] = view


def _camera_order(name: str) -> tuple[int, str]:
    order = ("cam_high", "cam_low", "cam_left_wrist", "cam_right_wrist")
    return (order.index(name) if name in order else len(order), name)
