"""Recorded HDF5 episodes appended to a LeRobot dataset one by one, in a thread of their own.

The recorder writes each episode as HDF5 (its writer keeps up with the control loop); once an
episode is saved, this thread encodes it into the LeRobot folder (AV1 videos, parquet) and then
removes the HDF5 file. A failed encoding keeps the HDF5 file: nothing recorded is lost.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from app.runtime.events import EventLog

log = logging.getLogger(__name__)

STAGING = ".recording"  # in the LeRobot folder: where HDF5 episodes wait (LeRobot skips it)


class LeRobotSink:
    """Appends saved episodes to the LeRobot v3.0 dataset at `folder`, in order."""

    def __init__(self, folder: Path | str, fps: float, events: EventLog) -> None:
        self.folder = Path(folder)
        self.fps = fps
        self.events = events
        self.encoded: list[Path] = []  # HDF5 episodes now in the dataset (and deleted)
        self.failed: list[Path] = []  # kept as HDF5 files in the staging folder
        self._queue: queue.Queue[Path | None] = queue.Queue()
        self._pending = 0
        self._lock = threading.Lock()
        self._seen: set[Path] = set()
        self._thread = threading.Thread(target=self._run, name="lerobot-encoder", daemon=True)
        self._thread.start()
        # Episodes left in the staging folder by an earlier session go in first.
        if self.staging.is_dir():
            self.take(sorted(self.staging.glob("episode_*.hdf5"), key=_episode_number))

    @property
    def staging(self) -> Path:
        """The folder the recorder writes HDF5 episodes into."""
        return self.folder / STAGING

    @property
    def pending(self) -> int:
        """Episodes handed over and not yet encoded."""
        with self._lock:
            return self._pending

    def add(self, episode: Path) -> None:
        """Queue a saved HDF5 episode for encoding; returns at once."""
        with self._lock:
            self._pending += 1
        self._queue.put(Path(episode))

    def take(self, saved: Iterable[Path]) -> None:
        """Queue the episodes of `saved` that lie in the staging folder and are new here."""
        for path in map(Path, saved):
            if path.parent == self.staging and path not in self._seen:
                self._seen.add(path)
                self.add(path)

    def close(self) -> None:
        """Encode what is queued, then stop the thread."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while (episode := self._queue.get()) is not None:
            try:
                self._encode(episode)
            finally:
                with self._lock:
                    self._pending -= 1

    def _encode(self, episode: Path) -> None:
        from recordings.lerobot.writer import LeRobotWriter
        from recordings.reader import EpisodeReader

        start = time.monotonic()
        try:
            with EpisodeReader(episode) as reader:
                LeRobotWriter(self.folder, self.fps).append([reader])
        except Exception as exc:  # keep the HDF5 file and say why
            log.debug("encoding %s into %s failed", episode, self.folder, exc_info=True)
            self.failed.append(episode)
            self.events.add(f"{episode.name} kept as HDF5, not added to the LeRobot dataset: {exc}")
            return
        episode.unlink()
        self.encoded.append(episode)
        self.events.add(
            f"{episode.name} added to the LeRobot dataset {self.folder.name} "
            f"({time.monotonic() - start:.1f} s)"
        )


def _episode_number(path: Path) -> int:
    digits = "".join(ch for ch in path.stem if ch.isdigit())
    return int(digits or 0)
