"""Replay of one recorded episode: camera frames with a time slider, joint curves with a cursor."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from app.ui import episodes
from app.ui.camera_grid import CameraGrid
from app.ui.episodes import ReplayData
from app.ui.joint_plots import JointPlots
from app.ui.layouts import Lazy
from app.ui.workers import BackgroundTasks
from drivers.camera import Frame

PLAY_TICK_MS = 33


class ReplayPanel(QWidget):
    """Shows one episode; images are read in a worker, one request in flight at a time.

    One worker thread of its own keeps open, read and close of the file in order.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = BackgroundTasks(self, workers=1)
        self.shown_step: int | None = None
        self.data: ReplayData | None = None
        self.step = 0
        self._reader: Any = None
        self._in_flight = False
        self._wanted: int | None = None
        self._play_started = (0.0, 0)  # (monotonic time, step) when play was pressed
        self.title = QLabel("Select an episode to replay it.")
        self.title.setWordWrap(True)
        self.cameras = CameraGrid()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.slider.valueChanged.connect(self.seek)
        self.play_button = QPushButton("Play")
        self.play_button.setEnabled(False)
        self.play_button.clicked.connect(self.toggle_play)
        self.time_label = QLabel("0.00 s")
        self.plot_area = Lazy(JointPlots)  # 14 plots: built when the panel is first shown
        self._timer = QTimer(self)
        self._timer.setInterval(PLAY_TICK_MS)
        self._timer.timeout.connect(self._advance)
        controls = QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.time_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.cameras, 3)
        layout.addLayout(controls)
        layout.addWidget(self.plot_area, 2)

    @property
    def plots(self) -> JointPlots:
        """The joint and action curves."""
        return self.plot_area.get()

    @property
    def playing(self) -> bool:
        """True while the episode plays."""
        return self._timer.isActive()

    def load(self, path: str | Path) -> None:
        """Open `path` in the background and show its first frame."""
        self.close_episode()
        name = Path(path).name if isinstance(path, str) else path.name  # or a LeRobot episode
        self.title.setText(f"Loading {name}…")
        self.tasks.submit(episodes.open_replay, path, on_done=self._opened, on_error=self._failed)

    def _opened(self, opened: tuple[Any, ReplayData]) -> None:
        self._reader, self.data = opened
        data = self.data
        seconds = float(data.t[-1]) if len(data.t) else 0.0
        self.title.setText(
            f"{data.path.name} · “{data.prompt or '(no prompt)'}” · {len(data.t)} steps · "
            f"{seconds:.1f} s at {data.fps:.0f} Hz"
        )
        self.plots.show_episode(data.t, data.qpos, data.action)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(len(data.t) - 1, 0))
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self.slider.setEnabled(True)
        self.play_button.setEnabled(True)
        self.seek(0)

    def _failed(self, error: BaseException) -> None:
        self.title.setText(f"Cannot replay: {error}")

    def seek(self, step: int) -> None:
        """Show step `step` (the image arrives from a worker)."""
        if self.data is None:
            return
        self.step = step
        t = float(self.data.t[step]) if len(self.data.t) else 0.0
        self.time_label.setText(f"{t:6.2f} s")
        self.plots.set_cursor(t)
        self._wanted = step
        self._request_images()

    def _request_images(self) -> None:
        if self._in_flight or self._wanted is None or self._reader is None:
            return
        step, self._wanted = self._wanted, None
        self._in_flight = True
        reader = self._reader
        self.tasks.submit(
            episodes.read_images,
            reader,
            step,
            on_done=lambda images: self._show_images(reader, step, images),
            on_error=self._image_failed,
        )

    def _show_images(self, reader: Any, step: int, images: dict) -> None:
        self._in_flight = False
        if reader is self._reader:
            frames = {cam: Frame(image, float(step)) for cam, image in images.items()}
            self.cameras.show_frames(frames, {})
            self.shown_step = step
        self._request_images()

    def _image_failed(self, error: BaseException) -> None:
        self._in_flight = False
        if self._reader is not None:
            self.title.setText(f"Cannot read images: {error}")

    def toggle_play(self) -> None:
        """Play from the current step, or pause."""
        if self.playing:
            self._timer.stop()
            self.play_button.setText("Play")
            return
        if self.data is None:
            return
        if self.step >= len(self.data.t) - 1:
            self.slider.setValue(0)
        self._play_started = (time.monotonic(), self.step)
        self._timer.start()
        self.play_button.setText("Pause")

    def _advance(self) -> None:
        assert self.data is not None
        started, first = self._play_started
        step = first + int((time.monotonic() - started) * self.data.fps)
        last = len(self.data.t) - 1
        self.slider.setValue(min(step, last))  # seek() follows via valueChanged
        if step >= last:
            self.toggle_play()

    def close_episode(self) -> None:
        """Stop playing and release the file."""
        if self.playing:
            self.toggle_play()
        reader, self._reader, self.data = self._reader, None, None
        self._wanted = None
        self.slider.setEnabled(False)
        self.play_button.setEnabled(False)
        if self.plot_area.content is not None:
            self.plots.clear_curves()
        if reader is not None:
            self.tasks.submit(reader.close)

    def after_release(self, work: Callable[..., Any], *args: Any, **callbacks: Any) -> None:
        """Close the episode, then run `work(*args)` on the same worker (the file is free then)."""
        self.close_episode()
        self.tasks.submit(work, *args, **callbacks)

    def shutdown(self) -> None:
        """Release the file and join the worker thread."""
        self.close_episode()
        self.tasks.shutdown()
