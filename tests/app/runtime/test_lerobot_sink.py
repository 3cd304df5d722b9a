"""Saved HDF5 episodes go into a LeRobot dataset in the sink's own thread; failures keep them."""

from __future__ import annotations

import time
from pathlib import Path

from app.runtime.events import EventLog
from app.runtime.lerobot_sink import LeRobotSink
from recordings.lerobot.validate import validate_lerobot
from tests.recordings.episodes import write_episode

CAMERAS = {"cam_high": (32, 32)}


def _wait(sink: LeRobotSink, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while sink.pending and time.monotonic() < deadline:
        time.sleep(0.02)


def test_saved_episodes_are_encoded_and_their_hdf5_removed(tmp_path: Path) -> None:
    sink = LeRobotSink(tmp_path / "set", 50, EventLog())
    paths = [sink.staging / f"episode_{i}.hdf5" for i in range(2)]
    for i, path in enumerate(paths):
        write_episode(path, 6, cameras=CAMERAS, seed=i)
    sink.take(paths)
    sink.take(paths)  # handed over twice (every GUI refresh): encoded once
    sink.close()
    results = validate_lerobot(tmp_path / "set")
    assert [r.ok for r in results] == [True, True]
    assert sink.encoded == paths
    assert not any(path.exists() for path in paths)


def test_a_failed_encoding_keeps_the_hdf5_file(tmp_path: Path) -> None:
    events = EventLog()
    sink = LeRobotSink(tmp_path / "set", 50, events)
    path = sink.staging / "episode_0.hdf5"
    write_episode(path, 6, cameras={"cam_high": (31, 32)})  # yuv420p needs even sizes
    sink.take([path])
    sink.close()
    assert path.is_file()
    assert sink.failed == [path]
    assert "episode_0.hdf5 kept as HDF5, not added to the LeRobot dataset: " in events.lines()[-1]


def test_episodes_left_by_an_earlier_session_are_picked_up(tmp_path: Path) -> None:
    staging = tmp_path / "set" / ".recording"
    write_episode(staging / "episode_3.hdf5", 6, cameras=CAMERAS)
    sink = LeRobotSink(tmp_path / "set", 50, EventLog())
    _wait(sink)
    sink.close()
    assert [r.ok for r in validate_lerobot(tmp_path / "set")] == [True]
    assert not (staging / "episode_3.hdf5").exists()
