"""Operate: the prompt box offers the policy's training phrasings; a prompt naming nothing the
policy learned is said so before the robot moves, and runs only when asked again."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.runtime.snapshot import Mode

CARD = "# pick policy\n\n- simulated tasks: pick_color\n"


@pytest.fixture
def pick_studio(qtbot, settings):
    from app.ui.application import Studio
    from app.ui.backend import PolicyInfo, RobotChoice
    from pi0_core.phrasing import PromptPhrasing
    from tests.app.ui.fakes import CAMERAS, WavePolicy, open_fake_session

    def load(path):
        info = PolicyInfo(name="pick", path=str(path), model_card=CARD, cameras=CAMERAS)
        policy = WavePolicy()
        policy.told = PromptPhrasing.from_card(CARD)  # as Policy.told does for such a card
        return policy, info

    studio = Studio(settings, open_session=open_fake_session, load_policy=load)
    studio.start(RobotChoice(kind="virtual"), checkpoint="pick-checkpoint")
    qtbot.waitUntil(lambda: studio.controller.policy is not None, timeout=15000)
    yield studio
    studio.close()


def _enter(qtbot, box, prompt: str) -> None:
    box.lineEdit().clear()
    qtbot.keyClicks(box.lineEdit(), prompt)
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)


def test_the_prompt_box_suggests_the_training_phrasings(qtbot, pick_studio) -> None:
    box = pick_studio.window.tab("Operate").prompt
    qtbot.waitUntil(lambda: box.count() > 0, timeout=5000)
    items = [box.itemText(i) for i in range(box.count())]
    assert "pick up the red cube" in items


def test_an_unknown_prompt_is_said_so_before_the_robot_moves(qtbot, pick_studio) -> None:
    operate = pick_studio.window.tab("Operate")
    snapshot = pick_studio.controller.snapshot
    _enter(qtbot, operate.prompt, "wave at the camera")
    qtbot.wait(300)
    assert snapshot().mode != Mode.POLICY
    assert any("names none of their objects" in line for line in operate.events.lines())
    _enter(qtbot, operate.prompt, "wave at the camera")  # asked again: it runs
    qtbot.waitUntil(lambda: snapshot().mode == Mode.POLICY, timeout=5000)


def test_a_known_task_in_new_words_runs_at_once(qtbot, pick_studio) -> None:
    operate = pick_studio.window.tab("Operate")
    _enter(qtbot, operate.prompt, "Could you fetch the blue block?")
    qtbot.waitUntil(lambda: pick_studio.controller.snapshot().mode == Mode.POLICY, timeout=5000)
    said = "said to the policy as trained: 'pick up the blue cube'"
    assert any(said in line for line in operate.events.lines())


def test_a_trained_phrasing_is_not_said_twice(qtbot, pick_studio) -> None:
    operate = pick_studio.window.tab("Operate")
    _enter(qtbot, operate.prompt, "pick up the red cube")
    qtbot.waitUntil(lambda: pick_studio.controller.snapshot().mode == Mode.POLICY, timeout=5000)
    runs = [line for line in operate.events.lines() if "run: pick up the red cube" in line]
    assert runs and not any("said to the policy" in line for line in runs)


def test_one_enter_submits_once(qtbot, settings) -> None:
    from app.ui.prompt_box import PromptBox

    box = PromptBox(settings)
    qtbot.addWidget(box)
    submitted: list[str] = []
    box.submitted.connect(submitted.append)
    _enter(qtbot, box, "pick up the red cube")
    qtbot.wait(50)
    _enter(qtbot, box, "pick up the red cube")
    assert submitted == ["pick up the red cube"] * 2
