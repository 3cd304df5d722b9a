"""`--screenshot DIR`: the tour visits every tab and leaves one PNG per tab."""

from __future__ import annotations

import sys

from PySide6.QtGui import QImage

from app.ui import training_run
from app.ui.screenshots import TABS, ScreenshotTour, TourPlan

QUICK_PLAN = TourPlan(operate_s=0.2, episodes=1, episode_s=0.5, reset_s=0.0, steps=1, batch_size=1)

QUICK_TRAINER = "import sys; print('train: done'); sys.exit(0)"  # the tour's run, in no time


def test_tour_saves_one_png_per_tab(qtbot, fake_studio, tmp_path, monkeypatch):
    monkeypatch.setattr(
        training_run,
        "train_command",
        lambda config, resume=False: (sys.executable, ["-c", QUICK_TRAINER]),
    )
    finished = []
    tour = ScreenshotTour(
        fake_studio, tmp_path / "shots", on_finished=lambda: finished.append(1), plan=QUICK_PLAN
    )
    tour.start()
    qtbot.waitUntil(lambda: bool(finished), timeout=120000)
    assert tour.error == ""
    names = sorted(path.name for path in (tmp_path / "shots").iterdir())
    # The quick trainer leaves no checkpoint, so there is no fine-tuned policy to run.
    assert names == [f"{i + 1}_{tab}.png" for i, tab in enumerate(TABS) if tab != "finetuned"]
    image = QImage(str(tmp_path / "shots" / "1_operate.png"))
    assert (image.width(), image.height()) == (1600, 1000)
