"""The Datasets tab: lists a folder, marks the corrupt file, replays a good one, edits, trashes."""

from __future__ import annotations

import pytest

from app.ui.tabs.datasets import DatasetsTab
from app.ui.workers import BackgroundTasks
from recordings.reader import EpisodeReader
from tests.app.ui.episodes_on_disk import write_dataset


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


def test_lists_folder_and_marks_the_corrupt_file(qtbot, datasets_tab, tmp_path):
    folder = write_dataset(tmp_path / "data")
    datasets_tab.folder.set_path(str(folder))
    qtbot.waitUntil(lambda: not datasets_tab.loading, timeout=10000)
    names = [datasets_tab.table.item(r, 0).text() for r in range(datasets_tab.table.rowCount())]
    assert names == ["episode_0.hdf5", "episode_1.hdf5", "episode_2.hdf5"]
    statuses = [datasets_tab.table.item(r, 1).text() for r in range(3)]
    assert statuses[:2] == ["OK", "OK"]
    assert statuses[2].startswith("BAD: ") and "truncated" in statuses[2]
    assert "2 good episodes, 1 bad" in datasets_tab.stats.text()
    assert datasets_tab.table.item(0, 2).text() == "pick up the cube"


def test_replays_a_good_episode(qtbot, datasets_tab, tmp_path):
    folder = write_dataset(tmp_path / "data")
    datasets_tab.folder.set_path(str(folder))
    qtbot.waitUntil(lambda: not datasets_tab.loading, timeout=10000)
    replay = datasets_tab.replay
    datasets_tab.select(1)
    qtbot.waitUntil(lambda: replay.data is not None and replay.shown_step == 0, timeout=10000)
    assert len(replay.cameras.views) == 3
    assert replay.slider.maximum() == 29
    assert len(replay.plots.measured[0].getData()[0]) == 30  # joint curves drawn
    assert replay.plots.plots[0].scene() is not None
    replay.toggle_play()
    qtbot.waitUntil(lambda: not replay.playing, timeout=10000)  # played to the end
    assert replay.step == 29
    qtbot.waitUntil(lambda: replay.shown_step == 29, timeout=5000)


def test_corrupt_episode_is_not_replayed(qtbot, datasets_tab, tmp_path):
    folder = write_dataset(tmp_path / "data")
    datasets_tab.folder.set_path(str(folder))
    qtbot.waitUntil(lambda: not datasets_tab.loading, timeout=10000)
    datasets_tab.select(2)
    assert datasets_tab.replay.data is None
    assert "cannot be replayed" in datasets_tab.replay.title.text()


def test_edit_prompt_and_move_to_trash(qtbot, datasets_tab, tmp_path):
    folder = write_dataset(tmp_path / "data", corrupt=False)
    datasets_tab.folder.set_path(str(folder))
    qtbot.waitUntil(lambda: not datasets_tab.loading, timeout=10000)
    datasets_tab.edit_prompt(datasets_tab.rows[0], "put the cube in the bin")
    qtbot.waitUntil(lambda: datasets_tab.rows[0].prompt == "put the cube in the bin", timeout=10000)
    with EpisodeReader(folder / "episode_0.hdf5") as reader:
        assert reader.prompt == "put the cube in the bin"
    datasets_tab.delete(datasets_tab.rows[1])
    qtbot.waitUntil(lambda: len(datasets_tab.rows) == 1, timeout=10000)
    assert (folder / "trash" / "episode_1.hdf5").is_file()
    assert "Moved episode_1.hdf5" in datasets_tab.status.text()


def test_missing_folder_says_so(qtbot, datasets_tab, tmp_path):
    datasets_tab.folder.set_path(str(tmp_path / "nowhere"))
    qtbot.waitUntil(lambda: not datasets_tab.loading, timeout=10000)
    assert "Cannot open this folder" in datasets_tab.status.text()


def test_joint_statistics_of_the_good_episodes(qtbot, datasets_tab, tmp_path):
    folder = write_dataset(tmp_path / "data")
    datasets_tab.folder.set_path(str(folder))
    qtbot.waitUntil(lambda: not datasets_tab.loading, timeout=10000)
    datasets_tab.stats_button.click()
    qtbot.waitUntil(lambda: datasets_tab.joint_stats.rowCount() == 14, timeout=20000)
    assert datasets_tab.joint_stats.item(0, 0).text() == "left waist"
    assert "±" in datasets_tab.joint_stats.item(13, 3).text()
