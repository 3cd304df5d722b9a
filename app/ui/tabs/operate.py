"""Operate: live cameras, a prompt that runs the policy, joint plots and the event log."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.runtime.snapshot import Mode, SessionSnapshot
from app.ui.camera_grid import CameraGrid
from app.ui.event_log import EventLog
from app.ui.joint_plots import JointPlots
from app.ui.layouts import stacked, titled
from app.ui.policy_summary import summarize, summary_html
from app.ui.prompt_box import PromptBox
from app.ui.session_controller import SessionController
from app.ui.settings import Settings
from pi0_core.train.card_tasks import known_tasks
from pi0_core.train.prompt_grammar import suggestions, unknown_prompt


class OperateTab(QWidget):
    """Type a prompt, press Enter, watch the policy drive the robot."""

    title = "Operate"

    def __init__(
        self, controller: SessionController, settings: Settings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.cameras = CameraGrid()
        self.plots = JointPlots()
        self.events = EventLog()
        self.prompt = PromptBox(settings)
        self.prompt.submitted.connect(self.run)
        self.run_button = QPushButton("Run")
        self.run_button.setToolTip("Let the policy drive the robot with this prompt (Enter)")
        self.run_button.clicked.connect(lambda: self.run(self.prompt.prompt))
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop sending actions (the arms keep their torque)")
        self.stop_button.clicked.connect(lambda: controller.set_mode(Mode.IDLE))
        self.hold_button = QPushButton("Hold")
        self.hold_button.setToolTip("Hold the current position")
        self.hold_button.clicked.connect(lambda: controller.set_mode(Mode.HOLD))
        self.reset_scene_button = QPushButton("Reset scene")
        self.reset_scene_button.setToolTip("Simulator: stop, and put this scene back as it began")
        self.reset_scene_button.clicked.connect(lambda: controller.reset_scene(new=False))
        self.new_scene_button = QPushButton("New scene")
        self.new_scene_button.setToolTip("Simulator: stop, and lay out the objects anew")
        self.new_scene_button.clicked.connect(lambda: controller.reset_scene(new=True))
        self.policy_name = QLabel()
        self.policy_name.setStyleSheet("font-size: 14px; font-weight: bold;")
        self.policy_name.setWordWrap(True)
        self.task_state = QLabel()
        self.execution_state = QLabel()
        self.execution_state.setToolTip(
            "How action chunks are executed, the delay the next chunk is planned for "
            "(largest of the last measured, in 20 ms ticks at 50 Hz) and the last inference time"
        )
        self.space_stops = QCheckBox("Space bar = E-STOP while the policy runs")
        self.space_stops.setChecked(settings.estop_on_space())
        self.space_stops.toggled.connect(lambda on: settings.set_value("safety/estop_on_space", on))
        self.summary = QLabel()  # name, size, cameras, tasks, success, inference time
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.card_button = QPushButton("Full model card…")
        self.card_button.clicked.connect(self.show_card)
        self.card_dialog: QDialog | None = None  # built when first asked for
        self._build()
        self._shown_card = None
        self._warned_prompt: str | None = None  # the prompt last refused once as unknown
        controller.state_changed.connect(self.show_policy)
        self.show_policy()

    def _build(self) -> None:
        buttons = QHBoxLayout()
        for button in (self.run_button, self.stop_button, self.hold_button):
            buttons.addWidget(button)
        prompt_group = QGroupBox("Prompt")
        prompt_layout = QVBoxLayout(prompt_group)
        prompt_layout.addWidget(self.prompt)
        prompt_layout.addLayout(buttons)
        scene_buttons = QHBoxLayout()
        scene_buttons.addWidget(self.reset_scene_button)
        scene_buttons.addWidget(self.new_scene_button)
        prompt_layout.addLayout(scene_buttons)
        prompt_layout.addWidget(self.task_state)
        prompt_layout.addWidget(self.execution_state)
        prompt_layout.addWidget(self.space_stops)
        policy_group = QGroupBox("Policy")
        policy_layout = QVBoxLayout(policy_group)
        policy_layout.addWidget(self.policy_name)
        summary = QScrollArea()  # a long card's facts scroll rather than being cut off
        summary.setWidget(self.summary)
        summary.setWidgetResizable(True)
        summary.setFrameShape(QFrame.Shape.NoFrame)
        policy_layout.addWidget(summary, 1)
        policy_layout.addWidget(self.card_button, 0, Qt.AlignmentFlag.AlignRight)
        side = QSplitter(Qt.Orientation.Vertical)
        side.addWidget(stacked(prompt_group, policy_group))
        side.addWidget(titled("Event log", self.events))
        side.setSizes([600, 90])
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.cameras)
        top.addWidget(side)
        top.setSizes([900, 420])
        main = QSplitter(Qt.Orientation.Vertical)
        main.addWidget(top)
        main.addWidget(self.plots)
        main.setSizes([580, 320])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(main)

    def run(self, prompt: str) -> None:
        """Start the policy with `prompt` and remember it. A prompt that names nothing the
        policy learned is only said so the first time, before the robot moves; again runs it."""
        if not prompt:
            self.events.add_notice("Type a prompt first.")
            return
        info = self.controller.policy_info
        problem = unknown_prompt(prompt, known_tasks(info.model_card) if info else ())
        if problem is not None and prompt != self._warned_prompt:
            self._warned_prompt = prompt
            self.events.add_notice(f"Not run: {problem}. Run again to run it anyway.")
            return
        self._warned_prompt = None
        if self.controller.run(prompt):
            self.prompt.remember(prompt)
            told = getattr(self.controller.policy, "told", lambda text: text)(prompt)
            said = "" if told == prompt else f" (said to the policy as trained: {told!r})"
            self.events.add_notice(f"run: {prompt}{said}")

    def show_policy(self) -> None:
        """Name, status and model card of the loaded policy."""
        if not self.prompt.prompt and self.controller.default_prompt:
            self.prompt.set_prompt(self.controller.default_prompt)
        for button in (self.reset_scene_button, self.new_scene_button):
            button.setVisible(self.controller.has_scene)
        info = self.controller.policy_info
        self.card_button.setEnabled(info is not None and bool(info.model_card))
        if info is None:
            self.policy_name.setText(self.controller.policy_status)
            text = "No policy is loaded, so Run is unavailable. Load one from the Fine-tune tab."
        else:
            self.policy_name.setText(info.name)
            self.policy_name.setToolTip(f"{info.path} ({info.layout} layout)")
            summary = summarize(info.name, info.model_card, info.cameras, info.parameters)
            text = summary_html(summary)
        if text != self._shown_card:
            self._shown_card = text
            self.prompt.suggest(suggestions(known_tasks(info.model_card)) if info else ())
            self.summary.setText(text)
            if self.card_dialog is not None and info is not None:
                self.card_dialog.findChild(QTextBrowser).setMarkdown(info.model_card)

    def shutdown(self) -> None:
        """Close the model card window with the main one."""
        if self.card_dialog is not None:
            self.card_dialog.close()

    def show_card(self) -> None:
        """The loaded policy's whole model card, in a window of its own."""
        info = self.controller.policy_info
        if info is None:
            return
        if self.card_dialog is None:
            self.card_dialog = QDialog(self)
            self.card_dialog.resize(760, 640)
            browser = QTextBrowser(self.card_dialog)
            browser.setOpenExternalLinks(True)
            QVBoxLayout(self.card_dialog).addWidget(browser)
        self.card_dialog.setWindowTitle(f"Model card: {info.name}")
        self.card_dialog.findChild(QTextBrowser).setMarkdown(info.model_card)
        self.card_dialog.show()
        self.card_dialog.raise_()

    def show_snapshot(self, snapshot: SessionSnapshot | None) -> None:
        """Refresh from the latest session state (called ~30 times a second while visible)."""
        ready = snapshot is not None and not snapshot.estopped
        self.run_button.setEnabled(ready and self.controller.policy is not None)
        self.stop_button.setEnabled(ready)
        self.hold_button.setEnabled(ready)
        if snapshot is None:
            return
        self.events.show_events(snapshot.events)  # cheap, and no event may be missed
        if not self.isVisible():
            return
        self.cameras.show_frames(snapshot.frames, snapshot.cameras)
        self.plots.show_snapshot(snapshot)
        running = snapshot.mode == Mode.POLICY and not snapshot.estopped
        state = f"running: {snapshot.prompt}" if running else f"{snapshot.mode.value}"
        if snapshot.task_problem:
            state += f" · success not judged: {snapshot.task_problem}"
        elif snapshot.task_success is not None:
            state += " · task succeeded ✓" if snapshot.task_success else " · task not done yet"
        self.task_state.setText(state)
        self.execution_state.setText(execution_text(snapshot))


def execution_text(snapshot: SessionSnapshot) -> str:
    """'execution rtc · delay 4 ticks · inference 72 ms' for the Operate tab."""
    if not snapshot.execution:
        return ""
    return (
        f"execution {snapshot.execution} · delay {snapshot.delay_ticks} ticks · "
        f"inference {snapshot.inference_ms:.0f} ms"
    )
