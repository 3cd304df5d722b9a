"""The main window on a live session: prompt + Enter runs the policy; E-STOP stops and latches."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from app.runtime.snapshot import Mode


def _operate(studio):
    return studio.window.tab("Operate")


def _run_with_enter(qtbot, studio, prompt: str) -> None:
    box = _operate(studio).prompt
    box.setFocus()
    box.lineEdit().clear()
    qtbot.keyClicks(box.lineEdit(), prompt)
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)


def test_window_opens_connected_with_cameras(qtbot, fake_studio):
    window = fake_studio.window
    qtbot.waitUntil(lambda: len(_operate(fake_studio).cameras.views) == 3, timeout=5000)
    assert "connected" in window.robot_toolbar.connection.text()
    assert window.robot_toolbar.mode.text() == "mode IDLE"
    assert "wave" in _operate(fake_studio).policy_name.text()


def test_prompt_and_enter_runs_policy_and_joints_move(qtbot, fake_studio):
    start = fake_studio.controller.snapshot().qpos.copy()
    _run_with_enter(qtbot, fake_studio, "wave both arms")
    snapshot = fake_studio.controller.snapshot
    qtbot.waitUntil(lambda: snapshot().mode == Mode.POLICY, timeout=5000)
    assert snapshot().prompt == "wave both arms"
    qtbot.waitUntil(lambda: np.abs(snapshot().qpos - start).max() > 0.05, timeout=10000)
    assert fake_studio.settings.recent_prompts()[0] == "wave both arms"


def test_operate_tab_shows_the_execution_mode_delay_and_latency(qtbot, fake_studio):
    _run_with_enter(qtbot, fake_studio, "wave")
    snapshot = fake_studio.controller.snapshot
    qtbot.waitUntil(lambda: snapshot().chunks > 1, timeout=10000)
    label = _operate(fake_studio).execution_state
    qtbot.waitUntil(lambda: "execution rtc" in label.text(), timeout=5000)
    assert "delay" in label.text() and "inference" in label.text()


def _stops_and_latches(qtbot, studio, press) -> None:
    _run_with_enter(qtbot, studio, "wave")
    snapshot = studio.controller.snapshot
    qtbot.waitUntil(lambda: snapshot().chunks > 0 and snapshot().mode == Mode.POLICY, timeout=10000)
    press()
    assert snapshot().estopped  # latched at once, from the GUI thread
    qtbot.waitUntil(lambda: snapshot().estop_latency_ticks is not None, timeout=2000)
    assert snapshot().estop_latency_ticks <= 1
    # The hold write has left; a snapshot published before it may still show the tick before.
    qtbot.waitUntil(lambda: snapshot().estop_latency_ms is not None, timeout=2000)
    applied = snapshot().tick
    qtbot.waitUntil(lambda: snapshot().tick > applied + 1, timeout=2000)
    frozen = snapshot().qpos.copy()
    qtbot.wait(200)
    np.testing.assert_allclose(snapshot().qpos, frozen)
    assert not _operate(studio).run_button.isEnabled()
    _run_with_enter(qtbot, studio, "wave again")  # refused while latched
    qtbot.wait(200)
    assert snapshot().estopped
    assert snapshot().prompt == "wave"
    np.testing.assert_allclose(snapshot().qpos, frozen)
    assert "E-STOPPED" in studio.window.robot_toolbar.mode.text()


def test_estop_button_stops_within_a_tick_and_latches(qtbot, fake_studio):
    button = fake_studio.window.robot_toolbar.estop
    _stops_and_latches(
        qtbot, fake_studio, lambda: qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    )


def test_escape_stops_and_latches(qtbot, fake_studio):
    window = fake_studio.window
    _stops_and_latches(qtbot, fake_studio, lambda: qtbot.keyClick(window, Qt.Key.Key_Escape))


def test_space_stops_while_policy_runs(qtbot, fake_studio):
    box = _operate(fake_studio).prompt.lineEdit()
    _stops_and_latches(qtbot, fake_studio, lambda: qtbot.keyClick(box, Qt.Key.Key_Space))
    assert box.text() == "wave again"  # the space stopped the robot instead of being typed


def test_reset_estop_releases_to_hold(qtbot, fake_studio):
    toolbar = fake_studio.window.robot_toolbar
    toolbar.estop.click()
    qtbot.waitUntil(toolbar.reset.isEnabled, timeout=2000)
    toolbar.reset.click()
    snapshot = fake_studio.controller.snapshot
    qtbot.waitUntil(lambda: not snapshot().estopped, timeout=2000)
    assert snapshot().mode == Mode.HOLD


def test_closing_while_the_robot_is_still_opening_stops_it(qtbot, settings):
    import threading

    from app.ui.application import Studio
    from app.ui.backend import RobotChoice
    from tests.app.ui.fakes import load_wave_policy, open_fake_session

    release = threading.Event()
    opened = []

    def slow_open(choice):
        release.wait(10)
        opened.append(open_fake_session(choice))
        return opened[-1]

    studio = Studio(settings, open_session=slow_open, load_policy=load_wave_policy)
    studio.start(RobotChoice(kind="virtual"), checkpoint=None)
    assert studio.controller.connection == "connecting"
    release.set()
    studio.close()  # waits for the open, then stops that session (threads checked by fixture)
    assert opened and not opened[0].robot.followers["left"].is_connected
