"""`--screenshot DIR`: the tour visits every tab and leaves one PNG per tab."""

from __future__ import annotations

import sys

from PySide6.QtGui import QImage

from app.ui import training_run
from app.ui.screenshots import TABS, ScreenshotTour

QUICK_TRAINER = "import sys; print('train: done'); sys.exit(0)"  # the tour's run, in no time


def test_tour_saves_one_png_per_tab(qtbot, fake_studio, tmp_path, monkeypatch):
    monkeypatch.setattr(
        training_run,
        "train_command",
        lambda config, resume=False: (sys.executable, ["-c", QUICK_TRAINER]),
    )
    finished = []
    tour = ScreenshotTour(fake_studio, tmp_path / "shots", on_finished=lambda: finished.append(1))
    tour.start()
    qtbot.waitUntil(lambda: bool(finished), timeout=120000)
    assert tour.error == ""
    names = sorted(path.name for path in (tmp_path / "shots").iterdir())
    assert names == [f"{i + 1}_{tab}.png" for i, tab in enumerate(TABS)]
    image = QImage(str(tmp_path / "shots" / "1_operate.png"))
    assert (image.width(), image.height()) == (1600, 1000)
