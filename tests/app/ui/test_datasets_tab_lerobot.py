"""The Datasets tab on a LeRobot folder: listed, validated and replayed like HDF5 episodes."""

from __future__ import annotations

import pytest

from app.ui.tabs.datasets import DatasetsTab
from app.ui.workers import BackgroundTasks
from tests.recordings.lerobot.helpers import write_lerobot_folder


@pytest.fixture
def datasets_tab(qtbot, settings):
    tasks = BackgroundTasks()
    tab = DatasetsTab(settings, tasks)
    qtbot.addWidget(tab)
    tab.resize(1200, 800)
    tab.show()
    yield tab
    tab.shutdown()
    tasks.shutdown()
    tab.close()


def _open(qtbot, tab, folder) -> None:
    tab.folder.set_path(str(folder))
    qtbot.waitUntil(lambda: not tab.loading, timeout=10000)


def test_lists_and_replays_a_lerobot_folder(qtbot, datasets_tab, tmp_path):
    _open(qtbot, datasets_tab, write_lerobot_folder(tmp_path))
    table = datasets_tab.table
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == ["episode 0", "episode 1"]
    assert [table.item(r, 1).text() for r in range(2)] == ["OK", "OK"]
    assert table.item(1, 2).text() == "pick up the blue cube"
    replay = datasets_tab.replay
    datasets_tab.select(1)
    qtbot.waitUntil(lambda: replay.data is not None and replay.shown_step == 0, timeout=10000)
    assert len(replay.cameras.views) == 2
    assert replay.slider.maximum() == 19
    replay.toggle_play()
    qtbot.waitUntil(lambda: not replay.playing, timeout=10000)
    qtbot.waitUntil(lambda: replay.shown_step == 19, timeout=5000)


def test_a_damaged_episode_is_marked_with_why(qtbot, datasets_tab, tmp_path):
    folder = write_lerobot_folder(tmp_path)
    video = folder / "videos/observation.images.cam_high/chunk-000/file-000.mp4"
    video.unlink()
    _open(qtbot, datasets_tab, folder)
    status = datasets_tab.table.item(0, 1).text()
    assert status.startswith("BAD: missing video file")
    assert "0 good episodes, 2 bad" in datasets_tab.stats.text()


def test_lerobot_episodes_are_read_only(qtbot, datasets_tab, tmp_path):
    _open(qtbot, datasets_tab, write_lerobot_folder(tmp_path))
    datasets_tab.select(0)
    assert not datasets_tab.edit_button.isEnabled()
    assert not datasets_tab.delete_button.isEnabled()
    datasets_tab.delete(datasets_tab.rows[0])
    assert datasets_tab.status.text() == "Episodes of a LeRobot dataset are read-only here."


def test_an_unreadable_lerobot_folder_says_why(qtbot, datasets_tab, tmp_path):
    folder = write_lerobot_folder(tmp_path)
    (folder / "meta/info.json").unlink()
    _open(qtbot, datasets_tab, folder)
    assert datasets_tab.status.text() == (
        "Cannot open this folder: missing meta/info.json: not a complete LeRobot dataset"
    )
