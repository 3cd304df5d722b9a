"""Record: teleoperate and record episodes into a dataset folder, with a countdown and flags."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.runtime.snapshot import Mode, SessionSnapshot
from app.ui import backend
from app.ui.backend import RecordPlan, lerobot_sink, start_recording
from app.ui.camera_grid import CameraGrid
from app.ui.folder_field import FolderField
from app.ui.joint_plots import JointPlots
from app.ui.layouts import Lazy, stacked, titled
from app.ui.leader_panel import LeaderPanel
from app.ui.prompt_box import PromptBox
from app.ui.session_controller import SessionController
from app.ui.settings import Settings

SHORTCUTS = {"start": "Ctrl+R", "stop": "Ctrl+S", "rerecord": "Ctrl+Shift+R", "discard": "Ctrl+D"}


class RecordTab(QWidget):
    """Teleoperation on/off, where and what to record, and Start/Stop/Re-record/Discard."""

    title = "Record"

    def __init__(
        self, controller: SessionController, settings: Settings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.teleop = QCheckBox("Teleoperation: the leader arms drive the followers")
        self.teleop.toggled.connect(self._teleop_toggled)
        self.squeeze = QCheckBox("Start each episode when both leader grippers are squeezed")
        self.leader = LeaderPanel(self._played, controller.message.emit)  # simulator only
        self.leader.setVisible(False)
        controller.state_changed.connect(self._show_leader)
        self.folder = FolderField(settings, "record", "folder for episode_<N>.hdf5 files")
        self.lerobot = QCheckBox("Save as a LeRobot dataset (videos encoded after each episode)")
        self._sink: Any = None  # the LeRobot sink while saving as LeRobot
        self.prompt = PromptBox(settings)
        self.episode_s = _seconds_box(10.0, 0.2, 600.0)
        self.reset_s = _seconds_box(3.0, 0.0, 120.0)
        self.episodes = QSpinBox()
        self.episodes.setRange(1, 1000)
        self.buttons = {
            "start": QPushButton("Start"),
            "stop": QPushButton("Stop"),
            "rerecord": QPushButton("Re-record"),
            "discard": QPushButton("Discard"),
        }
        self.expert = QPushButton("Generate the episodes offline (scripted expert)")
        self.expert.setToolTip(
            "Simulator only: the task's scripted expert performs the planned number of "
            "episodes into the dataset folder faster than real time (240x320, JPEG), for "
            "fine-tuning. Start records in real time instead, through the leader arms "
            "(played by the expert or the keyboard), as with real arms."
        )
        self.expert.clicked.connect(self.record_expert)
        self.expert_status = QLabel()
        self.expert_status.setWordWrap(True)
        self.countdown = QLabel("not recording")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.countdown.setStyleSheet("font-size: 26px; font-weight: bold; padding: 6px;")
        self.counter = QLabel()
        self.saved = QListWidget()
        self.cameras: CameraGrid | None = None  # built with the live view
        self.plots: JointPlots | None = None
        self.live = Lazy(self._build_live)  # cameras and joint plots, built when first shown
        self._shown_saved: tuple[tuple[Path, ...], tuple[Path, ...]] = ((), ())
        self._shown_played: Any = None
        self._connect_buttons()
        self._build()

    def _connect_buttons(self) -> None:
        actions: dict[str, Callable[[], None]] = {
            "start": self.start,
            "stop": lambda: self._command(lambda r: r.stop_episode()),
            "rerecord": lambda: self._command(lambda r: r.rerecord()),
            "discard": lambda: self._command(lambda r: r.discard()),
        }
        for name, button in self.buttons.items():
            button.clicked.connect(actions[name])
            button.setToolTip(f"{button.text()} ({SHORTCUTS[name]})")
            shortcut = QShortcut(QKeySequence(SHORTCUTS[name]), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(actions[name])

    def _build(self) -> None:
        form = QFormLayout()
        form.addRow("Dataset folder", self.folder)
        form.addRow("", self.lerobot)
        form.addRow("Prompt", self.prompt)
        form.addRow("Episode length", self.episode_s)
        form.addRow("Reset time", self.reset_s)
        form.addRow("Episodes", self.episodes)
        grid = QGridLayout()
        for index, button in enumerate(self.buttons.values()):
            grid.addWidget(button, index // 2, index % 2)
        grid.addWidget(self.expert, 2, 0, 1, 2)
        controls = stacked(
            titled("Control", self.teleop, self.squeeze, self.leader),
            titled("Episodes", form, grid, self.expert_status),
            self.countdown,
            self.counter,
            titled("Saved in this session (⚠ = rate fell short)", self.saved),
            margins=4,
        )
        controls.setMaximumWidth(480)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(controls)
        split.addWidget(self.live)
        split.setSizes([440, 1000])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)

    def _build_live(self) -> QWidget:
        self.cameras = CameraGrid()
        self.plots = JointPlots()
        live = QSplitter(Qt.Orientation.Vertical)
        live.addWidget(self.cameras)
        live.addWidget(self.plots)
        live.setSizes([480, 380])
        return live

    # --- commands ------------------------------------------------------------------------
    def start(self) -> None:
        """Start recording the planned episodes into the chosen folder."""
        recorder = self.controller.recorder
        if recorder is None:
            self.controller.message.emit("Cannot record: the robot is not connected.")
            return
        if self._played() is not None and not self.teleop.isChecked():
            self.teleop.setChecked(True)  # the played leaders drive the followers
        try:
            plan = RecordPlan(
                folder=self.folder.path,
                prompt=self.prompt.prompt,
                episodes=self.episodes.value(),
                episode_s=self.episode_s.value(),
                reset_s=self.reset_s.value(),
                squeeze_to_start=self.squeeze.isChecked(),
                lerobot=self.lerobot.isChecked(),
            )
            self._sink = lerobot_sink(self._sink, recorder, plan)
            start_recording(recorder, plan, self._sink)
        except Exception as exc:  # no folder, no prompt, already recording: tell the user
            self.controller.message.emit(f"Cannot record: {exc}")
            return
        self.prompt.remember(plan.prompt)

    def record_expert(self) -> None:
        """Let the simulator's scripted expert perform the planned episodes into the folder."""
        choice, folder = self.controller.choice, self.folder.path
        if choice is None or choice.kind == "aloha":
            self.expert_status.setText("The scripted expert runs in the simulator only.")
            return
        if not folder:
            self.expert_status.setText("Choose a dataset folder first.")
            return
        episodes = self.episodes.value()
        self.expert.setEnabled(False)
        self.expert_status.setText(f"The expert is performing {episodes} {choice.task} episodes…")
        self.controller.run_in_background(
            backend.expert_demos,
            choice.task,
            episodes,
            folder,
            on_done=lambda written: self._expert_done(f"Wrote {written} episodes into {folder}."),
            on_error=lambda error: self._expert_done(f"The expert failed: {error}"),
        )

    def _expert_done(self, text: str) -> None:
        self.expert.setEnabled(True)
        self.expert_status.setText(text)

    def _command(self, command: Callable[[Any], None]) -> None:
        recorder = self.controller.recorder
        if recorder is None:
            return
        try:
            command(recorder)
        except Exception as exc:  # e.g. nothing to re-record
            self.controller.message.emit(f"Recorder: {exc}")

    def _teleop_toggled(self, on: bool) -> None:
        if not self.controller.set_mode(Mode.TELEOP if on else Mode.IDLE):
            self.teleop.blockSignals(True)
            self.teleop.setChecked(False)
            self.teleop.blockSignals(False)

    def _played(self) -> Any:
        return backend.played_leaders(self.controller.session)

    def _show_leader(self) -> None:
        """On the simulator: the leader choice, and the expert's episode length to start with."""
        played = self._played()
        if played is not None and played is not self._shown_played:
            try:
                played.use(self.leader.source.currentData())
            except ValueError:  # a task without a scripted expert
                self.leader.set_source("keyboard")
            if played.source == "expert":
                self.episode_s.setValue(played.episode_seconds)
        self._shown_played = played
        self.leader.setVisible(played is not None)
        choice = self.controller.choice
        self.expert.setVisible(choice is None or choice.kind != "aloha")  # simulator only

    # --- display -------------------------------------------------------------------------
    def show_snapshot(self, snapshot: SessionSnapshot | None) -> None:
        """Show the recorder's progress and the live view (only while visible)."""
        recorder = self.controller.recorder
        if snapshot is None or recorder is None or not self.isVisible():
            return
        status = recorder.status()
        self._show_progress(status)
        self._show_saved(status.saved, status.flagged)
        if self._sink is not None:
            self._sink.take(status.saved)  # encoded in the sink's thread, not here
        busy = status.state != "idle"
        self.buttons["start"].setEnabled(not busy and not snapshot.estopped)
        self.buttons["stop"].setEnabled(busy)
        self.buttons["discard"].setEnabled(busy)
        # A saved episode already in a LeRobot dataset cannot be taken back out.
        self.buttons["rerecord"].setEnabled(busy or (bool(status.saved) and self._sink is None))
        self.teleop.blockSignals(True)
        self.teleop.setChecked(snapshot.mode == Mode.TELEOP)
        self.teleop.blockSignals(False)
        self.live.get()
        self.cameras.show_frames(snapshot.frames, snapshot.cameras)
        self.plots.show_snapshot(snapshot)

    def _show_progress(self, status: Any) -> None:
        if status.state == "recording":
            text = f"● REC {status.episode_seconds:4.1f} / {self.episode_s.value():.0f} s"
        elif status.state == "waiting" and status.episode_seconds < 0:
            text = f"reset the scene: {-status.episode_seconds:3.1f} s"
        elif status.state == "waiting":
            text = "opening the episode file…"
        elif status.state == "armed":
            text = "squeeze both leader grippers to start"
        else:
            text = "not recording"
        self.countdown.setText(text)
        left = f", {status.episodes_left} more planned" if status.episodes_left else ""
        self.counter.setText(
            f"episode {status.episode_index}{left} · saved {len(status.saved)}"
            f" · last rate {status.last_rate_hz:.1f} Hz · dropped {status.dropped}"
        )

    def _show_saved(self, saved: tuple[Path, ...], flagged: tuple[Path, ...]) -> None:
        if (saved, flagged) == self._shown_saved:
            return
        self._shown_saved = (saved, flagged)
        self.saved.clear()
        for path in saved:
            warn = path in flagged
            self.saved.addItem(f"{'⚠ ' if warn else ''}{Path(path).name}")
            if warn:
                self.saved.item(self.saved.count() - 1).setForeground(Qt.GlobalColor.darkRed)

    def shutdown(self) -> None:
        """Save an episode still being recorded (and encode it, when saving as LeRobot)."""
        self._command(lambda r: r.stop_episode())
        recorder = self.controller.recorder
        if self._sink is not None and recorder is not None:
            recorder.wait_idle(timeout=10.0)
            self._sink.take(recorder.status().saved)
            self._sink.close()


def _seconds_box(value: float, low: float, high: float) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setSuffix(" s")
    box.setDecimals(1)
    return box
