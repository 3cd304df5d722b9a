"""`--screenshot DIR`: visit every tab with the robot running, save one PNG per tab, quit."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)

SIZE = (1600, 1000)
FALLBACK_PROMPT = "pick up the cube"  # on a robot without a simulator to name its task
TABS = ("operate", "record", "datasets", "finetune", "hardware")  # file name order
TOUR_TRAINING = {"steps": 30, "batch_size": 2, "save_every": 10, "log_every": 2, "threads": 1}
POLL_MS = 100
Step = float | tuple[Callable[[], bool], float, str]  # pause (s) or (condition, timeout, what)


class ScreenshotTour(QObject):
    """Drives the app through a scripted tour; each step yields a pause or a condition."""

    def __init__(self, studio: Any, folder: Path, on_finished: Callable[[], None]) -> None:
        super().__init__(studio.window)
        self.studio = studio
        self.folder = Path(folder)
        self.on_finished = on_finished
        self.saved: list[Path] = []
        self.error = ""
        self._scratch = tempfile.TemporaryDirectory(prefix="pi0studio-tour-")
        self._steps: Iterator[Step] = iter(())
        self._condition: tuple[Callable[[], bool], float, str] | None = None
        self._waited = 0.0
        # One owned timer (not QTimer.singleShot): it cannot fire after the window is gone.
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(lambda: self._then())
        self._then: Callable[[], None] = self._advance

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
        controller = self.studio.controller
        yield (lambda: controller.connection != "connecting", 180.0, "the robot")
        if controller.connection != "connected":
            raise RuntimeError(f"the robot did not connect: {controller.connection_error}")
        yield (lambda: not controller.policy_loading, 180.0, "the policy")
        had_policy = controller.policy is not None
        if had_policy:
            yield from self._operate()
        yield from self._record()
        yield from self._datasets()
        yield from self._finetune(use_result=not had_policy)
        if not had_policy:  # no bundled policy: show Operate with the one just trained
            yield (lambda: not controller.policy_loading, 180.0, "the trained policy")
            yield from self._operate()
        yield from self._hardware()

    def _operate(self) -> Iterator[Step]:
        operate = self._show("Operate")
        controller = self.studio.controller
        if controller.policy is not None:
            operate.run(operate.prompt.prompt or controller.default_prompt or FALLBACK_PROMPT)
            yield (lambda: _chunks(controller) >= 2, 120.0, "two action chunks")
            yield 3.0  # a visible history, and the chunk drawn ahead of now
        else:
            yield 2.0
        self._grab("operate")

    def _record(self) -> Iterator[Step]:
        record = self._show("Record")
        record.folder.set_path(str(self._dataset))
        record.prompt.set_prompt(self.studio.controller.default_prompt or FALLBACK_PROMPT)
        record.episodes.setValue(1)
        record.episode_s.setValue(3.0)
        record.start()
        yield 2.0
        self._grab("record")
        recorder = self.studio.controller.recorder
        yield (lambda: recorder.status().state == "idle", 60.0, "the episode to be saved")
        yield (lambda: recorder.wait_idle(0), 30.0, "the episode file to close")

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

    def _finetune(self, use_result: bool) -> Iterator[Step]:
        """A short run of the tiny preset on the episode just recorded."""
        finetune = self._show("Fine-tune")
        finetune.add_dataset(str(self._dataset))
        finetune.start_from.setCurrentIndex(2)
        finetune.preset.setCurrentText("tiny")
        finetune.out.set_path(str(Path(self._scratch.name) / "run"))
        config = replace(finetune.config(), **TOUR_TRAINING)
        finetune.steps.setValue(config.steps)
        finetune.batch_size.setValue(config.batch_size)
        finetune.run.start(config)
        finetune.state.setText(f"Training into {config.out}…")
        finetune._enable_buttons()
        run = finetune.run
        yield (lambda: not run.running, 600.0, "the short training run")
        yield 1.0
        self._grab("finetune")
        if use_result and run.state == "finished":
            finetune.checkpoints.use_selected()

    def _hardware(self) -> Iterator[Step]:
        hardware = self._show("Hardware")
        hardware.devices.scan()
        yield (lambda: not hardware.devices.scanning, 120.0, "the device scan")
        yield 0.5
        self._grab("hardware")

    @property
    def _dataset(self) -> Path:
        return Path(self._scratch.name) / "demos"


def _chunks(controller: Any) -> int:
    snapshot = controller.snapshot()
    return snapshot.chunks if snapshot is not None else 0
