"""The Operate tab: the task status line and the policy panel."""

from __future__ import annotations

from dataclasses import replace


def test_the_status_line_says_when_the_prompt_names_no_object(fake_studio, qtbot) -> None:
    operate = fake_studio.window.tab("Operate")
    qtbot.waitUntil(lambda: fake_studio.controller.snapshot() is not None, timeout=5000)
    snapshot = fake_studio.controller.snapshot()
    problem = "the prompt names no cube of pick_color (red, green, blue)"
    operate.show_snapshot(replace(snapshot, task_success=None, task_problem=problem))
    assert operate.task_state.text().endswith(f"success not judged: {problem}")
    operate.show_snapshot(replace(snapshot, task_success=True, task_problem=None))
    assert operate.task_state.text().endswith("task succeeded ✓")
