"""Fine-tune: set up a run, launch `main.py train` as a child process, watch its curves."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.ui import backend
from app.ui.folder_field import FolderField
from app.ui.layouts import set_style, stacked, titled
from app.ui.session_controller import SessionController
from app.ui.settings import Settings
from app.ui.tabs.before_after import BeforeAfterTable
from app.ui.tabs.checkpoint_list import CheckpointList
from app.ui.tabs.training_curves import TrainingCurves
from app.ui.training import (
    MAX_LOSS_WEIGHT,
    PRESETS,
    TrainingConfig,
    before_after,
    can_resume,
    worse_warning,
)
from app.ui.training_run import TrainingRun

START_FROM = ("bundled policy", "checkpoint directory", "new model from a preset")
ERROR_STYLE = "QPlainTextEdit { color: #b71c1c; background: #fff5f5; }"


class FinetuneTab(QWidget):
    """Datasets, starting point and hyper-parameters; Start/Stop/Resume; curves; checkpoints."""

    title = "Fine-tune"
    policy_chosen = Signal()  # "Use this policy" was pressed

    def __init__(
        self,
        controller: SessionController,
        settings: Settings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.settings = settings
        self.run = TrainingRun(self)
        self.run.updated.connect(self._show_progress)
        self.run.finished.connect(self._run_finished)
        self._build_form()
        self._build_monitor()
        self._layout()
        self._start_from_changed()
        self._enable_buttons()

    # --- building ------------------------------------------------------------------------
    def _build_form(self) -> None:
        self.datasets = QListWidget()
        self.datasets.setMaximumHeight(110)
        for folder in self.settings.string_list("finetune/datasets"):
            self.datasets.addItem(folder)
        self.add_dataset_button = QPushButton("Add folder…")
        self.add_dataset_button.clicked.connect(self._browse_dataset)
        self.remove_dataset_button = QPushButton("Remove")
        self.remove_dataset_button.clicked.connect(self._remove_dataset)
        self.start_from = QComboBox()
        self.start_from.addItems(START_FROM)
        self.start_from.setCurrentIndex(0 if backend.bundled_checkpoint() else 2)
        self.start_from.currentIndexChanged.connect(self._start_from_changed)
        self.checkpoint = FolderField(self.settings, "finetune_init", "checkpoint directory")
        self.preset = QComboBox()
        self.preset.addItems(PRESETS)
        self.steps = _int_box(1, 1_000_000, 2000)
        self.batch_size = _int_box(1, 4096, 8)
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(6)
        self.lr.setRange(1e-6, 1.0)
        self.lr.setSingleStep(1e-5)
        self.lr.setValue(1e-4)
        self.lora = QCheckBox("LoRA (train small adapters, keep the base weights)")
        needs_poses = "Needs episodes that store object poses (the simulator's demos do). 0: off."
        self.object_loss = _weight_box(
            "Weight of a loss on where every object is, read from the image tokens. " + needs_poses
        )
        self.named_loss = _weight_box(
            'Weight of a loss on where the object the prompt names is ("the green cube"). '
            + needs_poses
        )
        self.eval_task = QComboBox()
        self.eval_task.addItems(["none", *backend.sim_tasks()])
        self.eval_every = _int_box(0, 1_000_000, 500)
        self.out = FolderField(self.settings, "finetune_out", "run folder (metrics, checkpoints)")
        if not self.out.path:
            self.out.edit.setText(str(Path("runs") / time.strftime("finetune-%Y%m%d-%H%M%S")))
        self.out.changed.connect(self.open_run)
        self.start_button = QPushButton("Start")
        self.start_button.clicked.connect(lambda: self.start())
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.run.stop)
        self.resume_button = QPushButton("Resume")
        self.resume_button.clicked.connect(lambda: self.start(resume=True))
        self.state = QLabel("No run yet.")
        self.state.setWordWrap(True)

    def _build_monitor(self) -> None:
        self.curves = TrainingCurves()
        self.before_after = BeforeAfterTable()
        self.checkpoints = CheckpointList()
        self.checkpoints.use_requested.connect(self.use_checkpoint)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(2000)
        self.log.setPlaceholderText("The trainer's output appears here.")

    def _layout(self) -> None:
        dataset_buttons = QHBoxLayout()
        dataset_buttons.addWidget(self.add_dataset_button)
        dataset_buttons.addWidget(self.remove_dataset_button)
        form = QFormLayout()
        form.addRow("Start from", self.start_from)
        form.addRow("Checkpoint", self.checkpoint)
        form.addRow("Preset", self.preset)
        form.addRow("Steps", self.steps)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Learning rate", self.lr)
        form.addRow("", self.lora)
        form.addRow("Object loss", self.object_loss)
        form.addRow("Named-object loss", self.named_loss)
        form.addRow("Evaluate on", self.eval_task)
        form.addRow("Eval every", self.eval_every)
        form.addRow("Run folder", self.out)
        buttons = QGridLayout()
        buttons.addWidget(self.start_button, 0, 0)
        buttons.addWidget(self.stop_button, 0, 1)
        buttons.addWidget(self.resume_button, 0, 2)
        setup = stacked(
            titled("Datasets", self.datasets, dataset_buttons),
            titled("Run", form, buttons, self.state),
            margins=4,
            stretch=True,
        )
        setup.setMaximumWidth(500)
        checkpoint_box = titled("Checkpoints", self.checkpoints)
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(checkpoint_box)
        bottom.addWidget(titled("Trainer output", self.log))
        bottom.setSizes([450, 550])
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.curves)
        top.addWidget(titled("Before / after (simulator success)", self.before_after))
        top.setSizes([720, 280])
        monitor = QSplitter(Qt.Orientation.Vertical)
        monitor.addWidget(top)
        monitor.addWidget(bottom)
        monitor.setSizes([480, 360])
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(setup)
        split.addWidget(monitor)
        split.setSizes([460, 1000])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)

    # --- setup ---------------------------------------------------------------------------
    def add_dataset(self, folder: str) -> None:
        """Add a dataset folder to the run."""
        existing = {self.datasets.item(i).text() for i in range(self.datasets.count())}
        if folder and folder not in existing:
            self.datasets.addItem(folder)

    def _remove_dataset(self) -> None:
        for item in self.datasets.selectedItems():
            self.datasets.takeItem(self.datasets.row(item))

    def _browse_dataset(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Add a dataset folder", self.settings.last_folder("datasets")
        )
        if folder:
            self.add_dataset(folder)

    def _start_from_changed(self) -> None:
        choice = self.start_from.currentIndex()
        self.checkpoint.setEnabled(choice == 1)
        self.preset.setEnabled(choice == 2)

    def config(self) -> TrainingConfig:
        """The run as set up in the form; raises ValueError with a message for the user."""
        choice = self.start_from.currentIndex()
        init = preset = None
        if choice == 0:
            bundled = backend.bundled_checkpoint()
            if bundled is None:
                raise ValueError("the bundled policy is not installed: pick a checkpoint or preset")
            init = str(bundled)
        elif choice == 1:
            init = self.checkpoint.path or None
            if init is None:
                raise ValueError("choose the checkpoint directory to start from")
        else:
            preset = self.preset.currentText()
        task = self.eval_task.currentText()
        return TrainingConfig(
            data=tuple(self.datasets.item(i).text() for i in range(self.datasets.count())),
            out=self.out.path,
            init=init,
            preset=preset,
            steps=self.steps.value(),
            batch_size=self.batch_size.value(),
            lr=self.lr.value(),
            lora=self.lora.isChecked(),
            object_loss=self.object_loss.value(),
            named_loss=self.named_loss.value(),
            eval_task=None if task == "none" else task,
            eval_every=self.eval_every.value(),
        )

    def open_run(self, out: str) -> None:
        """Show the curves and checkpoints of the run in `out`, when there is one."""
        if self.run.running or not out:
            return
        self.checkpoints.clear()
        self.before_after.clear()
        if self.run.attach(out):
            self.state.setText(f"Run folder {out}: its curves and checkpoints are shown.")
        self._enable_buttons()

    # --- running -------------------------------------------------------------------------
    def start(self, resume: bool = False) -> None:
        """Launch (or resume) the run in a child process."""
        try:
            config = self.config()
            self.run.start(config, resume=resume)
        except Exception as exc:  # bad form or cannot start: say so, stay usable
            self._show_failure(f"Cannot start: {exc}", [])
            return
        self.settings.set_value("finetune/datasets", list(config.data))
        self.settings.set_last_folder("finetune_out", config.out)
        set_style(self.log, "")
        self.log.clear()
        self.checkpoints.clear()
        self.before_after.clear()
        self.state.setText(f"{'Resuming' if resume else 'Training'} into {config.out}…")
        self._show_progress()
        self._enable_buttons()

    def _show_progress(self) -> None:
        run = self.run
        self._append_output()
        if run.metrics is None or run.out is None:
            return
        self.curves.show_metrics(run.metrics)
        self.before_after.show_metrics(run.metrics)
        self.checkpoints.show_run(run.out, run.metrics)

    def _append_output(self) -> None:
        lines = list(self.run.output)
        shown = self.log.blockCount() if self.log.toPlainText() else 0
        if len(lines) < shown:  # the ring buffer wrapped: redraw
            self.log.setPlainText("\n".join(lines))
        else:
            for line in lines[shown:]:
                self.log.appendPlainText(line)

    def _run_finished(self, state: str) -> None:
        self._show_progress()
        out = self.run.out or ""
        if state == "failed":
            self._show_failure(
                f"Training failed (exit code {self.run.exit_code}). Last lines of its log:",
                self.run.last_lines(20),
            )
        elif state == "stopped":
            self.state.setText(f"Stopped. Resume continues from the last save in {out}.")
        else:
            self.state.setText(f"Finished. Checkpoints are in {out}.")
        self._enable_buttons()

    def _show_failure(self, headline: str, lines: list[str]) -> None:
        self.state.setText(headline)
        set_style(self.state, "color: #b71c1c; font-weight: bold;")
        if lines:
            set_style(self.log, ERROR_STYLE)
            self.log.setPlainText("\n".join([headline, *lines]))

    def _enable_buttons(self) -> None:
        running = self.run.running
        out = self.out.path
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.resume_button.setEnabled(not running and bool(out) and can_resume(out))
        if running:
            set_style(self.state, "")

    def use_checkpoint(self, path: str) -> None:
        """Load a checkpoint as the policy for Operate; first ask, in words, when the run
        measured it worse than its starting checkpoint on any task."""
        warning = self._worse_warning(path)
        if warning is not None:
            self.state.setText(warning)
            set_style(self.state, "color: #b71c1c; font-weight: bold;")
            if not self.confirm_worse(warning):
                return
        self.controller.load_policy(path)
        self.policy_chosen.emit()

    def _worse_warning(self, path: str) -> str | None:
        """The warning for the run's measured result (its final checkpoint), if it is worse."""
        run = self.run
        if run.metrics is None or run.out is None or Path(path) != Path(run.out) / "final":
            return None
        return worse_warning(*before_after(run.metrics.records))

    def confirm_worse(self, warning: str) -> bool:
        """Ask whether to use a policy measured worse than its start anyway."""
        answer = QMessageBox.warning(
            self,
            "Worse than the starting policy",
            f"{warning}\n\nUse it anyway?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def shutdown(self) -> None:
        """Stop a running trainer (it saves its resume state) and wait for it."""
        self.run.shutdown()


def _int_box(low: int, high: int, value: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    return box


def _weight_box(tooltip: str) -> QDoubleSpinBox:
    """A loss weight: 0 (off) to the trainer's maximum, starting off."""
    box = QDoubleSpinBox()
    box.setDecimals(2)
    box.setRange(0.0, MAX_LOSS_WEIGHT)
    box.setSingleStep(0.1)
    box.setSpecialValueText("off")
    box.setToolTip(tooltip)
    return box
