"""A recording process killed with SIGKILL mid-episode: earlier episodes intact, partial flagged."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np

from recordings.reader import load_episode
from recordings.validate import validate_path

# Records two whole episodes, then a third that it never closes, and waits to be killed.
CHILD = """
import sys, time
from pathlib import Path
import numpy as np
from recordings.writer import EpisodeWriter

folder = Path(sys.argv[1])
cameras = {"cam_high": (24, 32)}

def record(index):
    writer = EpisodeWriter(folder / f"episode_{index}.hdf5", cameras=cameras, prompt="stack",
                           compress=True, flush_seconds=0.05)
    for t in range(15):
        state = np.full(14, index * 100 + t, np.float32)
        image = np.full((24, 32, 3), 10 * t, np.uint8)
        writer.add_frame(state, state, state, state, {"cam_high": image}, t * 0.02)
    return writer

record(0).close()
record(1).close()
writer = record(2)
while writer.frames_flushed < 15:
    time.sleep(0.01)
print("recording", flush=True)
time.sleep(120)
"""


def test_killed_writer_leaves_earlier_episodes_and_a_flagged_partial(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert child.stdout.readline().strip() == "recording"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    results = {r.path.name: r for r in validate_path(tmp_path)}
    assert sorted(results) == ["episode_0.hdf5", "episode_1.hdf5", "episode_2.hdf5.partial"]
    assert results["episode_0.hdf5"].ok and results["episode_1.hdf5"].ok
    partial = results["episode_2.hdf5.partial"]
    assert not partial.ok and partial.message.startswith("incomplete recording")
    assert "15 steps were saved" in partial.message
    episode = load_episode(tmp_path / "episode_1.hdf5")
    np.testing.assert_array_equal(episode.qpos[:, 0], 100 + np.arange(15))
