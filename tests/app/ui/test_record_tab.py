"""Recording from the Record tab: two short episodes end up as two valid files."""

from __future__ import annotations

from recordings.validate import validate_path


def test_two_short_episodes_make_two_valid_files(qtbot, fake_studio, tmp_path):
    window = fake_studio.window
    tab = window.tab("Record")
    window.tabs.setCurrentWidget(tab)
    folder = tmp_path / "demos"
    tab.folder.set_path(str(folder))
    tab.prompt.set_prompt("stack the blocks")
    tab.episodes.setValue(2)
    tab.episode_s.setValue(0.4)
    tab.reset_s.setValue(0.0)
    tab.buttons["start"].click()
    recorder = fake_studio.controller.recorder
    qtbot.waitUntil(lambda: len(recorder.status().saved) == 2, timeout=20000)
    qtbot.waitUntil(lambda: recorder.wait_idle(0), timeout=5000)
    results = validate_path(folder)
    assert [r.path.name for r in results] == ["episode_0.hdf5", "episode_1.hdf5"]
    assert all(r.ok for r in results), [r.message for r in results]
    assert "stack the blocks" in results[0].message
    qtbot.waitUntil(lambda: tab.saved.count() == 2, timeout=2000)
    assert tab.buttons["start"].isEnabled()


def test_start_without_folder_says_why(qtbot, fake_studio):
    tab = fake_studio.window.tab("Record")
    fake_studio.window.tabs.setCurrentWidget(tab)
    tab.folder.edit.setText("")
    tab.prompt.set_prompt("anything")
    tab.buttons["start"].click()
    assert "choose a dataset folder" in fake_studio.window.health.currentMessage()
    assert fake_studio.controller.recorder.status().state == "idle"


def test_episodes_saved_as_lerobot_are_encoded_after_each_one(qtbot, fake_studio, tmp_path):
    from recordings.lerobot.validate import validate_lerobot

    window = fake_studio.window
    tab = window.tab("Record")
    window.tabs.setCurrentWidget(tab)
    folder = tmp_path / "lerobot"
    tab.folder.set_path(str(folder))
    tab.lerobot.setChecked(True)
    tab.prompt.set_prompt("stack the blocks")
    tab.episodes.setValue(2)
    tab.episode_s.setValue(0.4)
    tab.reset_s.setValue(0.0)
    tab.buttons["start"].click()
    recorder = fake_studio.controller.recorder
    qtbot.waitUntil(lambda: len(recorder.status().saved) == 2, timeout=20000)
    qtbot.waitUntil(lambda: len(tab._sink.encoded) == 2, timeout=30000)
    results = validate_lerobot(folder)
    assert [r.ok for r in results] == [True, True], [r.message for r in results]
    assert "stack the blocks" in results[0].message
    assert not list((folder / ".recording").glob("*.hdf5"))
    assert not tab.buttons["rerecord"].isEnabled()  # what is encoded stays


def test_scripted_expert_records_the_planned_episodes_in_the_background(
    qtbot, fake_studio, tmp_path, monkeypatch
):
    from app.ui import backend

    calls = []
    monkeypatch.setattr(
        backend, "expert_demos", lambda task, n, folder: calls.append((task, n, folder)) or n
    )
    tab = fake_studio.window.tab("Record")
    tab.folder.set_path(str(tmp_path / "expert"))
    tab.episodes.setValue(3)
    tab.expert.click()
    qtbot.waitUntil(lambda: "Wrote 3 episodes" in tab.expert_status.text(), timeout=5000)
    assert calls == [(fake_studio.controller.choice.task, 3, str(tmp_path / "expert"))]
    assert tab.expert.isEnabled()


def test_scripted_expert_needs_a_folder(fake_studio):
    tab = fake_studio.window.tab("Record")
    tab.folder.edit.setText("")
    tab.expert.click()
    assert tab.expert_status.text() == "Choose a dataset folder first."
