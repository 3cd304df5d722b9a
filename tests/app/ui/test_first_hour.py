"""The first hour without hardware, at small size, through the app's own buttons: the real
app on the simulator with the bundled policy runs each pick_color colour, records two
episodes played by the scripted expert in the Record tab, replays them in Datasets, fine-tunes
the bundled policy for two steps in Fine-tune, uses the result and runs it."""

from __future__ import annotations

import pytest

from app.ui import backend
from app.ui.application import Studio
from app.ui.backend import RobotChoice
from app.ui.screenshots import TABS, ScreenshotTour, TourPlan
from recordings.validate import validate_path

MISSING = backend.missing_module("drivers.sim.robot") or backend.missing_module("pi0_core.policy")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        MISSING is not None or backend.bundled_checkpoint() is None,
        reason=f"needs the simulator and the bundled policy: {MISSING or 'no bundled policy'}",
    ),
]
SMALL = TourPlan(operate_s=0.5, episodes=2, episode_s=1.0, reset_s=0.2, steps=2, batch_size=2)


def test_run_record_replay_finetune_use_and_run(qtbot, settings, tmp_path) -> None:
    studio = Studio(settings)
    studio.start(RobotChoice(kind="sim", task="pick_color"), backend.bundled_checkpoint())
    finished: list[int] = []
    tour = ScreenshotTour(
        studio, tmp_path / "shots", lambda: finished.append(1), plan=SMALL, workdir=tmp_path
    )
    tour.start()
    try:
        qtbot.waitUntil(lambda: bool(finished), timeout=900_000)
        info = studio.controller.policy_info
    finally:
        studio.close()
    assert tour.error == ""
    assert sorted(p.name for p in (tmp_path / "shots").iterdir()) == [
        f"{index + 1}_{name}.png" for index, name in enumerate(TABS)
    ]
    episodes = validate_path(tmp_path / "demos")
    assert [r.ok for r in episodes] == [True, True]
    ran = [note for note in tour.notes if note.startswith("'pick up the")]
    assert [note.split("'")[1] for note in ran] == [
        "pick up the red cube", "pick up the green cube", "pick up the blue cube",
        "pick up the red cube",
    ]  # fmt: skip
    assert all("running: pick up the" in note for note in ran)
    assert info.path == str(tmp_path / "run" / "final")  # "Use this policy" loaded the result
