"""The Operate tab: the task status line and the policy panel."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTextBrowser


def test_the_status_line_says_when_the_prompt_names_no_object(fake_studio, qtbot) -> None:
    operate = fake_studio.window.tab("Operate")
    qtbot.waitUntil(lambda: fake_studio.controller.snapshot() is not None, timeout=5000)
    snapshot = fake_studio.controller.snapshot()
    problem = "the prompt names no cube of pick_color (red, green, blue)"
    operate.show_snapshot(replace(snapshot, task_success=None, task_problem=problem))
    assert operate.task_state.text().endswith(f"success not judged: {problem}")
    operate.show_snapshot(replace(snapshot, task_success=True, task_problem=None))
    assert operate.task_state.text().endswith("task succeeded ✓")


def test_the_policy_panel_summarises_the_card_and_opens_it_whole(fake_studio, qtbot) -> None:
    operate = fake_studio.window.tab("Operate")
    text = operate.summary.text()
    assert "cam_high" in text and operate.policy_name.text() == "wave"
    assert "A test policy" not in text  # the card's prose is one click away, not in the panel
    qtbot.mouseClick(operate.card_button, Qt.MouseButton.LeftButton)
    assert operate.card_dialog.isVisible()
    shown = operate.card_dialog.findChild(QTextBrowser).toPlainText()
    assert "A test policy." in shown
    operate.shutdown()
    assert not operate.card_dialog.isVisible()


def test_reset_scene_puts_the_same_layout_back_and_new_scene_draws_the_next(qtbot) -> None:
    import numpy as np

    from app.runtime.robots import make_robot
    from app.runtime.session import RobotSession
    from app.ui import backend

    robot = make_robot("sim", cameras=("cam_high",), image_size=(48, 64), seed=5)
    sim = robot.physics
    start = sim.object_poses()
    with RobotSession(robot, realtime=False) as session:
        sim.data.qpos[sim._object_qpos[0]] += 0.05  # a cube pushed aside
        assert backend.reset_scene(session, new=False) == 5
        qtbot.waitUntil(lambda: np.allclose(sim.object_poses(), start, atol=1e-3), timeout=5000)
        assert backend.reset_scene(session, new=True) == 6
        qtbot.waitUntil(lambda: sim.seed == 6, timeout=5000)
    assert not np.allclose(sim.object_poses(), start, atol=1e-3)
