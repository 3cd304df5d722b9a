import time
from pathlib import Path

import numpy as np
import pytest

from app.runtime.events import EventLog
from app.runtime.recorder import Recorder, RecorderConfig, TickSample, next_free_index
from tests.app.runtime.fakes import FakeWriter

IMAGES = {"cam_high": np.zeros((4, 6, 3), np.uint8)}
SHAPES = {"cam_high": (4, 6)}


def make_recorder(folder: Path, **config) -> Recorder:
    config = {"reset_seconds": 0.0, **config}
    recorder = Recorder(RecorderConfig(**config), EventLog(), lambda: SHAPES, FakeWriter)
    recorder.set_folder(folder)
    return recorder


def sample(t: float, grippers: tuple[float, float] | None = None) -> TickSample:
    z = np.zeros(14, np.float32)
    return TickSample(t, z, z, z, z, IMAGES, grippers)


class Clock:
    """Feeds ticks to the recorder at a chosen rate until it reaches a state."""

    def __init__(self, recorder: Recorder, period: float = 0.02) -> None:
        self.recorder, self.period, self.t = recorder, period, 1e6  # far past any reset pause

    def run(self, ticks: int, grippers=None) -> None:
        for _ in range(ticks):
            self.t += self.period
            self.recorder.on_tick(sample(self.t, grippers))

    def until_recording(self, grippers=None, limit: int = 5000) -> None:
        for _ in range(limit):
            if self.recorder.status().recording:
                return
            self.run(1, grippers)
            time.sleep(0.001)  # the file thread opens the writer
        raise AssertionError("never started recording")


def finish(recorder: Recorder) -> None:
    assert recorder.wait_idle(10)
    recorder.close()


def test_fixed_length_episodes_are_saved_in_sequence(tmp_path: Path) -> None:
    recorder = make_recorder(tmp_path)
    clock = Clock(recorder)
    recorder.start_episodes("fold the towel", 2, seconds=0.2)
    clock.until_recording()
    clock.run(10)
    clock.until_recording()
    clock.run(10)
    finish(recorder)
    status = recorder.status()
    assert [p.name for p in status.saved] == ["episode_0.hdf5", "episode_1.hdf5"]
    assert "10 frames, prompt fold the towel" in (tmp_path / "episode_1.hdf5").read_text()
    assert status.flagged == () and status.last_rate_hz == pytest.approx(50.0)


def test_index_continues_from_the_folder(tmp_path: Path) -> None:
    (tmp_path / "episode_7.hdf5").write_text("old")
    recorder = make_recorder(tmp_path)
    clock = Clock(recorder)
    recorder.start_episode("p", seconds=0.1)
    clock.until_recording()
    clock.run(5)
    finish(recorder)
    assert recorder.status().saved[0].name == "episode_8.hdf5"
    assert next_free_index(tmp_path) == 9


def test_manual_stop_saves_what_was_recorded(tmp_path: Path) -> None:
    recorder = make_recorder(tmp_path)
    clock = Clock(recorder)
    recorder.start_episode("p")
    clock.until_recording()  # the tick that starts the episode records its first frame
    clock.run(7)
    recorder.stop_episode()
    finish(recorder)
    assert (tmp_path / "episode_0.hdf5").read_text().startswith("8 frames")


def test_rerecord_discards_the_last_episode_and_keeps_the_earlier_ones(tmp_path: Path) -> None:
    recorder = make_recorder(tmp_path)
    clock = Clock(recorder)
    recorder.start_episodes("p", 2, seconds=0.1)
    for _ in range(2):
        clock.until_recording()
        clock.run(5)
    assert recorder.wait_idle(10)
    recorder.rerecord()
    clock.until_recording()
    assert recorder.status().episode_index == 1
    clock.run(3)
    clock.run(2)
    finish(recorder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["episode_0.hdf5", "episode_1.hdf5"]
    assert (tmp_path / "episode_0.hdf5").read_text().startswith("5 frames")
    assert [p.name for p in recorder.status().saved] == ["episode_0.hdf5", "episode_1.hdf5"]


def test_rerecord_while_recording_restarts_the_same_index(tmp_path: Path) -> None:
    recorder = make_recorder(tmp_path)
    clock = Clock(recorder)
    recorder.start_episode("p", seconds=0.1)
    clock.until_recording()
    clock.run(2)
    recorder.rerecord()
    clock.until_recording()
    clock.run(5)
    finish(recorder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["episode_0.hdf5"]
    assert (tmp_path / "episode_0.hdf5").read_text().startswith("5 frames")


def test_discard_saves_nothing(tmp_path: Path) -> None:
    recorder = make_recorder(tmp_path)
    clock = Clock(recorder)
    recorder.start_episode("p")
    clock.until_recording()
    clock.run(3)
    recorder.discard()
    finish(recorder)
    assert list(tmp_path.iterdir()) == []
    assert recorder.status().episode_index == 0


def test_episode_below_ninety_percent_of_the_rate_is_flagged(tmp_path: Path) -> None:
    recorder = make_recorder(tmp_path)
    clock = Clock(recorder, period=0.025)  # 40 Hz against a 50 Hz target
    recorder.start_episode("p", seconds=0.2)
    clock.until_recording()
    clock.run(10)
    finish(recorder)
    status = recorder.status()
    assert status.flagged == status.saved
    assert status.last_rate_hz == pytest.approx(40.0)


def test_squeezing_both_leader_grippers_starts_the_episode(tmp_path: Path) -> None:
    recorder = make_recorder(tmp_path, squeeze_to_start=True)
    clock = Clock(recorder)
    recorder.start_episode("p", seconds=0.1)
    for _ in range(5000):
        clock.run(1, grippers=(0.9, 0.9))
        if recorder.status().state == "armed":
            break
        time.sleep(0.001)
    clock.run(5, grippers=(0.05, 0.9))  # one squeezed is not enough
    assert recorder.status().state == "armed"
    clock.run(1, grippers=(0.05, 0.05))
    assert recorder.status().recording
    clock.run(5, grippers=(0.05, 0.05))
    finish(recorder)
    assert (tmp_path / "episode_0.hdf5").exists()


def test_starting_needs_a_folder() -> None:
    recorder = Recorder(RecorderConfig(), EventLog(), lambda: SHAPES, FakeWriter)
    with pytest.raises(RuntimeError, match="folder"):
        recorder.start_episode("p")


def test_a_failed_episode_file_makes_a_headless_run_fail(tmp_path) -> None:
    from app.runtime.headless import print_summary
    from app.runtime.session import RobotSession
    from tests.app.runtime.fakes import fake_robot, wait_until

    def no_disk(path, **kwargs):
        raise OSError(28, "No space left on device")

    lines: list[str] = []
    session = RobotSession(fake_robot(), writer_factory=no_disk, realtime=False)
    with session:
        session.recorder.set_folder(tmp_path)
        session.recorder.start_episodes("stack the cups", 2, 1.0)
        wait_until(session.recorder.is_idle, what="the plan to end")
    assert print_summary(session, 1.0, out=lines.append) == 1
    assert "recording failed: OSError: [Errno 28] No space left on device" in lines
