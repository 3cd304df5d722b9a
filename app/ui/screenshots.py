"""`--screenshot DIR`: the first hour's loop through the app, one PNG per step, then quit."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer

from app.ui import backend

log = logging.getLogger(__name__)

SIZE = (1600, 1000)
FALLBACK_PROMPT = "pick up the cube"  # on a robot without a simulator to name its task
RECORD_PROMPT = "pick up the red cube"  # what the expert demonstrates on pick_color
# file name order; "finetuned" is Operate again, running the policy just fine-tuned
TABS = ("operate", "record", "datasets", "finetune", "hardware", "finetuned")
POLL_MS = 100
Step = float | tuple[Callable[[], bool], float, str]  # pause (s) or (condition, timeout, what)


@dataclass(frozen=True)
class TourPlan:
    """How much of the first hour's loop the tour goes through."""

    operate_s: float = 8.0  # how long the policy runs for each prompt
    episodes: int = 10  # demonstrations recorded with the scripted expert
    episode_s: float | None = None  # None: the expert's own episode length
    reset_s: float = 1.0  # pause between episodes (the scene resets to a new seed)
    steps: int = 300  # fine-tuning steps from the bundled policy
    batch_size: int = 8

    def __post_init__(self) -> None:
        if self.episodes < 1 or self.steps < 1 or self.batch_size < 1 or self.operate_s <= 0:
            raise ValueError("a tour needs episodes, steps, batch size and run time above 0")


class ScreenshotTour(QObject):
    """Drives the app through a scripted tour; each step yields a pause or a condition."""

    def __init__(
        self,
        studio: Any,
        folder: Path,
        on_finished: Callable[[], None],
        plan: TourPlan | None = None,
        workdir: Path | None = None,
    ) -> None:
        super().__init__(studio.window)
        self.studio = studio
        self.plan = plan or TourPlan()
        self.notes: list[str] = []  # what each step saw (task states, files), logged at the end
        self.folder = Path(folder)
        self.on_finished = on_finished
        self.saved: list[Path] = []
        self.error = ""
        # The episodes and the run go here; a temporary folder (removed at the end) by default.
        self._scratch = tempfile.TemporaryDirectory(prefix="pi0studio-tour-")
        self.workdir = Path(workdir or self._scratch.name)
        self._steps: Iterator[Step] = iter(())
        self._condition: tuple[Callable[[], bool], float, str] | None = None
        self._waited = 0.0
        # One owned timer (not QTimer.singleShot): it cannot fire after the window is gone.
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(lambda: self._then())
        self._then: Callable[[], None] = self._advance
        self._used: str | None = None  # the fine-tuned checkpoint put to use

    def start(self) -> None:
        """Begin the tour once Qt's event loop runs."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.studio.window.resize(*SIZE)
        self._steps = self._tour()
        self._after(0, self._advance)

    def _advance(self) -> None:
        try:
            step = next(self._steps)
        except StopIteration:
            self._finish()
            return
        except Exception as exc:  # a broken tour must still end the app, with the reason
            self.error = f"screenshot tour failed: {exc}"
            log.exception("screenshot tour failed")
            self._finish()
            return
        if isinstance(step, tuple):
            self._condition, self._waited = step, 0.0
            self._after(POLL_MS, self._poll)
        else:
            self._after(int(step * 1000), self._advance)

    def _poll(self) -> None:
        condition, timeout, what = self._condition
        if condition():
            self._advance()
        elif self._waited >= timeout:
            self.error = f"screenshot tour: timed out waiting for {what}"
            self._finish()
        else:
            self._waited += POLL_MS / 1000
            self._after(POLL_MS, self._poll)

    def _after(self, ms: int, then: Callable[[], None]) -> None:
        self._then = then
        self._timer.start(ms)

    def _finish(self) -> None:
        for note in self.notes:
            log.info("tour: %s", note)
        self._scratch.cleanup()
        self.on_finished()

    def _grab(self, name: str) -> None:
        window = self.studio.window
        window.refresh()
        path = self.folder / f"{TABS.index(name) + 1}_{name}.png"
        if not window.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        self.saved.append(path)
        log.info("saved %s", path)

    def _show(self, title: str) -> Any:
        window = self.studio.window
        tab = window.tab(title)
        window.tabs.setCurrentWidget(tab)
        return tab

    def _tour(self) -> Iterator[Step]:
        """The first hour: run each prompt, record expert demonstrations, browse them,
        fine-tune the bundled policy on them, use the result and run it."""
        controller = self.studio.controller
        yield (lambda: controller.connection != "connecting", 180.0, "the robot")
        if controller.connection != "connected":
            raise RuntimeError(f"the robot did not connect: {controller.connection_error}")
        yield (lambda: not controller.policy_loading, 180.0, "the policy")
        if controller.policy is not None:
            for prompt in self._prompts():
                yield from self._run(prompt)
        else:
            yield 2.0
        self._grab("operate")
        yield from self._record()
        yield from self._datasets()
        yield from self._finetune()
        yield from self._hardware()
        if self._used is not None:
            yield (lambda: _loaded(controller, self._used), 180.0, "the fine-tuned policy")
            yield from self._run(RECORD_PROMPT if self._named_cubes else self._prompts()[0])
            self._grab("finetuned")

    def _prompts(self) -> list[str]:
        """pick_color: each colour in turn; other tasks: the scene's own prompt."""
        controller = self.studio.controller
        colours = self._named_cubes
        if colours:
            return [f"pick up the {colour} cube" for colour in colours]
        return [controller.default_prompt or FALLBACK_PROMPT]

    @property
    def _named_cubes(self) -> tuple[str, ...]:
        choice = self.studio.controller.choice
        task = choice.task if choice is not None and choice.kind == "sim" else ""
        return ("red", "green", "blue") if task == "pick_color" else ()

    def _run(self, prompt: str) -> Iterator[Step]:
        """On the same scene from its start: type the prompt, press Run, watch."""
        operate = self._show("Operate")
        controller = self.studio.controller
        if controller.has_scene:
            operate.reset_scene_button.click()
            yield 0.5
        operate.prompt.set_prompt(prompt)
        start = _chunks(controller)
        operate.run_button.click()
        yield (lambda: _chunks(controller) >= start + 2, 120.0, "two action chunks")
        yield self.plan.operate_s
        self.notes.append(f"{prompt!r}: {operate.task_state.text()}")

    def _record(self) -> Iterator[Step]:
        record = self._show("Record")
        controller = self.studio.controller
        record.folder.set_path(str(self._dataset))
        prompt = RECORD_PROMPT if self._named_cubes else controller.default_prompt
        record.prompt.set_prompt(prompt or FALLBACK_PROMPT)
        record.episodes.setValue(self.plan.episodes)
        if self.plan.episode_s is not None:
            record.episode_s.setValue(self.plan.episode_s)
        record.reset_s.setValue(self.plan.reset_s)
        record.buttons["start"].click()
        recorder = controller.recorder
        second = min(1, self.plan.episodes - 1)
        yield (lambda: _recording(recorder, second), 120.0, "the episode to record")
        yield min(2.0, record.episode_s.value() / 2)
        self._grab("record")
        timeout = 60.0 + self.plan.episodes * (record.episode_s.value() + self.plan.reset_s) * 3
        yield (lambda: recorder.status().state == "idle", timeout, "the episodes to be saved")
        yield (lambda: recorder.wait_idle(0), 30.0, "the episode files to close")
        if record.teleop.isChecked():
            record.teleop.click()  # the followers stop following the expert
        status = recorder.status()
        self.notes.append(f"recorded {len(status.saved)} episodes, {len(status.flagged)} flagged")
        self.notes += [line for line in controller.snapshot().events if "task " in line]

    def _datasets(self) -> Iterator[Step]:
        datasets = self._show("Datasets")
        datasets.folder.set_path(str(self._dataset))
        yield (lambda: not datasets.loading and bool(datasets.rows), 60.0, "the dataset scan")
        datasets.select(0)
        replay = datasets.replay
        yield (lambda: replay.shown_step is not None, 60.0, "the replay")
        replay.slider.setValue(replay.slider.maximum() // 2)
        yield 1.0
        self._grab("datasets")

    def _finetune(self) -> Iterator[Step]:
        """Fine-tune the bundled policy (a preset when none ships) on the episodes just
        recorded, then "Use this policy" on its last checkpoint."""
        finetune = self._show("Fine-tune")
        finetune.add_dataset(str(self._dataset))
        finetune.start_from.setCurrentIndex(0 if backend.bundled_checkpoint() else 2)
        finetune.preset.setCurrentText("tiny")
        finetune.out.set_path(str(self.workdir / "run"))
        finetune.steps.setValue(self.plan.steps)
        finetune.batch_size.setValue(self.plan.batch_size)
        finetune.start_button.click()
        run = finetune.run
        if not run.running:
            raise RuntimeError(f"the fine-tuning run did not start: {finetune.state.text()}")
        yield (lambda: not run.running, 60.0 * 60, "the fine-tuning run")
        yield 1.0
        self._grab("finetune")
        self.notes.append(f"fine-tuning {run.state}: {finetune.state.text()}")
        self._used = finetune.checkpoints.selected()
        if self._used is not None:
            # A short run may measure worse than its start; the tour answers the question
            # a user would be asked (no one is there to), and notes it.
            finetune.confirm_worse = self._confirm_worse
            finetune.checkpoints.use_button.click()

    def _confirm_worse(self, warning: str) -> bool:
        self.notes.append(f"used although measured worse: {warning}")
        return True

    def _hardware(self) -> Iterator[Step]:
        hardware = self._show("Hardware")
        hardware.devices.scan()
        yield (lambda: not hardware.devices.scanning, 120.0, "the device scan")
        yield 0.5
        self._grab("hardware")

    @property
    def _dataset(self) -> Path:
        return self.workdir / "demos"


def _recording(recorder: Any, index: int) -> bool:
    """Whether the plan's episode `index` (0: the first) is being recorded."""
    status = recorder.status()
    return status.state == "recording" and len(status.saved) >= index


def _loaded(controller: Any, path: str) -> bool:
    info = controller.policy_info
    return not controller.policy_loading and info is not None and info.path == str(path)


def _chunks(controller: Any) -> int:
    snapshot = controller.snapshot()
    return snapshot.chunks if snapshot is not None else 0
