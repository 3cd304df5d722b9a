"""Fixtures for the UI tests: offscreen Qt, temporary settings, and no leftover threads/windows."""

from __future__ import annotations

import gc
import os
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QCoreApplication, QEvent  # noqa: E402

from app.ui.settings import Settings  # noqa: E402


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Settings in a temporary INI file, never the user's."""
    return Settings.at(tmp_path / "settings.ini")


@pytest.fixture(autouse=True)
def no_leftovers(qapp):
    """Fail a test that leaves a thread running or a window open."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5.0
    while True:
        extra = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not extra or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not extra, f"threads left running: {[t.name for t in extra]}"
    qapp.processEvents()
    windows = [w for w in qapp.topLevelWidgets() if w.isVisible()]
    assert not windows, f"windows left open: {windows}"
    # Delete closed widgets now, on this thread, rather than in a later garbage collection.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


@pytest.fixture
def fake_studio(qtbot, settings):
    """The whole app on a real RobotSession over a fake robot, with a fake policy loaded."""
    from app.ui.application import Studio
    from app.ui.backend import RobotChoice
    from tests.app.ui.fakes import load_wave_policy, open_fake_session

    studio = Studio(settings, open_session=open_fake_session, load_policy=load_wave_policy)
    studio.start(RobotChoice(kind="virtual"), checkpoint="wave-checkpoint")
    qtbot.waitUntil(
        lambda: (
            studio.controller.connection == "connected" and studio.controller.policy is not None
        ),
        timeout=15000,
    )
    yield studio
    studio.close()
