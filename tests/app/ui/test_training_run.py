"""TrainingRun against a stand-in trainer: live metrics, a clean stop, resume offered after."""

from __future__ import annotations

import sys

import pytest

from app.ui import training_run
from app.ui.session_controller import SessionController
from app.ui.tabs.finetune import FinetuneTab
from app.ui.workers import BackgroundTasks

# Writes a metrics line and a resume folder, then waits to be stopped like the trainer does.
FAKE_TRAINER = """
import json, pathlib, sys, time
out = pathlib.Path(sys.argv[sys.argv.index("--out") + 1])
(out / "resume").mkdir(parents=True, exist_ok=True)
record = {"step": 1, "loss": 1.5, "lr": 1e-4, "samples_per_s": 3.0, "eta_s": 9}
with open(out / "metrics.jsonl", "a") as f:
    f.write(json.dumps(record) + "\\n")
print("train: 1/3", flush=True)
try:
    time.sleep(60)
except KeyboardInterrupt:
    print("interrupted", file=sys.stderr)
    sys.exit(130)
"""


@pytest.fixture
def finetune(qtbot, settings, monkeypatch):
    monkeypatch.setattr(
        training_run,
        "train_command",
        lambda config, resume=False: (sys.executable, ["-c", FAKE_TRAINER, *config.arguments()]),
    )
    tasks = BackgroundTasks()
    tab = FinetuneTab(SessionController(tasks), settings)
    qtbot.addWidget(tab)
    yield tab
    tab.shutdown()
    tasks.shutdown()


def test_stop_ends_the_run_cleanly_and_offers_resume(qtbot, finetune, tmp_path):
    finetune.add_dataset(str(tmp_path))
    finetune.start_from.setCurrentIndex(2)
    finetune.out.set_path(str(tmp_path / "run"))
    finetune.start_button.click()
    qtbot.waitUntil(lambda: len(finetune.curves.loss_curve.getData()[0] or []) == 1, timeout=30000)
    assert "samples/s 3.0" in finetune.curves.figures.text()
    qtbot.waitUntil(lambda: "train: 1/3" in finetune.log.toPlainText(), timeout=30000)
    assert finetune.stop_button.isEnabled() and not finetune.start_button.isEnabled()
    with qtbot.waitSignal(finetune.run.finished, timeout=30000) as finished:
        finetune.stop_button.click()
    assert finished.args == ["stopped"]
    assert "Resume" in finetune.state.text()
    assert finetune.resume_button.isEnabled()
