"""Episodes from the control loop to HDF5: fixed length or manual stop, resets, re-record."""

from __future__ import annotations

import logging
import os
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.runtime.events import EventLog

EPISODE_FILE = re.compile(r"episode_(\d+)\.hdf5(\.partial)?$")
CameraShapes = Callable[[], "dict[str, tuple[int, int]] | None"]


@dataclass(frozen=True)
class RecorderConfig:
    """How episodes are recorded."""

    fps: float = 50.0  # the control rate; frames are written one per tick
    reset_seconds: float = 3.0  # pause between planned episodes, to put the scene back
    min_rate_fraction: float = 0.9  # an episode whose mean rate falls below this is flagged
    squeeze_to_start: bool = False  # wait for both leader grippers to be squeezed (ALOHA habit)
    squeeze_below: float = 0.2  # normalised leader gripper position that counts as squeezed
    compress: bool = False  # JPEG-compress images in the file
    robot: str = "sim"  # stored in the file: "sim", "virtual" or "aloha"
    sim: bool = True  # stored in the file's `sim` attribute
    camera_wait_s: float = 10.0  # how long opening an episode waits for every camera's first frame

    def __post_init__(self) -> None:
        if self.fps <= 0 or self.reset_seconds < 0:
            raise ValueError("fps must be positive and reset_seconds not negative")
        if not 0 < self.min_rate_fraction <= 1:
            raise ValueError("min_rate_fraction must be in (0, 1]")


@dataclass(frozen=True)
class TickSample:
    """What the control loop hands the recorder on every tick."""

    timestamp: float  # time.monotonic() at the start of the tick
    qpos: np.ndarray  # (14,)
    qvel: np.ndarray  # (14,)
    effort: np.ndarray  # (14,)
    action: np.ndarray  # (14,) the action sent after the safety layer
    images: dict[str, np.ndarray]  # latest image of every camera
    leader_grippers: tuple[float, float] | None = None  # normalised, when leaders are attached


@dataclass(frozen=True)
class RecorderStatus:
    """The recorder as the GUI shows it."""

    state: str  # "idle", "waiting" (opening, reset pause), "armed" (squeeze to start), "recording"
    episode_index: int  # the episode being recorded, or the next one
    episode_seconds: float  # time into the episode; negative = countdown of the reset pause
    episodes_left: int  # planned episodes not yet started
    dropped: int  # frames the writers dropped in this session
    saved: tuple[Path, ...]  # episodes written in this session, oldest first
    flagged: tuple[Path, ...]  # saved episodes whose rate fell below the threshold
    last_rate_hz: float  # mean rate of the last saved episode
    failures: tuple[str, ...] = ()  # why episode files could not be opened or saved, in order

    @property
    def recording(self) -> bool:
        """True while frames go to a file."""
        return self.state == "recording"


def next_free_index(folder: Path) -> int:
    """One past the highest `episode_<N>.hdf5` (finished or partial) in `folder`, or 0."""
    indices = [
        int(m.group(1)) for p in folder.glob("episode_*") if (m := EPISODE_FILE.match(p.name))
    ]
    return max(indices, default=-1) + 1


def recording_folder(path: str | Path) -> Path:
    """The folder episodes will go to, created; a one-line error when they cannot be written."""
    folder = Path(path).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"cannot create the recording folder {folder}: {exc.strerror}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"cannot write episodes into {folder}: permission denied")
    return folder


def _default_writer(path: Path, **kwargs: Any) -> Any:
    from recordings.writer import EpisodeWriter

    return EpisodeWriter(path, **kwargs)


class Recorder:
    """Feeds an `EpisodeWriter` from the loop; opening and closing files run in its own thread."""

    def __init__(
        self,
        config: RecorderConfig,
        events: EventLog,
        camera_shapes: CameraShapes,
        writer_factory: Callable[..., Any] = _default_writer,
    ) -> None:
        self.config = config
        self.events = events
        self._camera_shapes = camera_shapes
        self._writer_factory = writer_factory
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._jobs: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._pending_jobs = 0
        self._worker: threading.Thread | None = None
        self._folder: Path | None = None
        self._next_index = 0
        self._state = "idle"
        self._prompt = ""
        self._seconds: float | None = None
        self._plan_left = 0
        self._generation = 0  # bumped when a plan is cancelled, so a late-opened file is dropped
        self._writer: Any = None
        self._index = 0
        self._start_after = 0.0
        self._released = False
        self._frames = 0
        self._t_first = self._t_last = 0.0
        self._last_ended: tuple[int, Path] | None = None
        self._dropped_closed = 0
        self._saved: list[Path] = []
        self._flagged: list[Path] = []
        self._last_rate = 0.0
        self._failures: list[str] = []

    # -- commands (any thread) ----------------------------------------------------------------

    @property
    def folder(self) -> Path | None:
        """Where episodes go."""
        return self._folder

    def set_folder(self, path: str | Path) -> None:
        """Record into `path` (created if missing); numbering continues from its episodes."""
        folder = Path(path).expanduser()
        folder.mkdir(parents=True, exist_ok=True)
        with self._lock:
            if self._state != "idle":
                raise RuntimeError("cannot change the recording folder while recording")
            self._folder = folder
            self._next_index = next_free_index(folder)
            self._last_ended = None

    def start_episode(self, prompt: str, seconds: float | None = None) -> None:
        """Record one episode; it ends after `seconds`, or at `stop_episode()` when None."""
        self.start_episodes(prompt, 1, seconds)

    def start_episodes(self, prompt: str, count: int, seconds: float | None = None) -> None:
        """Record `count` episodes of `seconds` each, with the reset pause between them."""
        if count < 1:
            raise ValueError("count must be at least 1")
        if seconds is not None and seconds <= 0:
            raise ValueError("episode seconds must be positive")
        if self._folder is None:
            raise RuntimeError("choose a recording folder first")
        first = next_free_index(self._folder)
        with self._lock:
            if self._state != "idle":
                raise RuntimeError("already recording")
            self._prompt, self._seconds, self._plan_left = prompt, seconds, count
            self._next_index = max(self._next_index, first)
            self._begin_next_locked(delay=0.0)

    def stop_episode(self) -> None:
        """Save the episode being recorded and cancel the ones planned after it."""
        with self._lock:
            if self._state == "recording":
                self._plan_left = 0
                self._end_locked(save=True)
            elif self._state != "idle":
                self._cancel_locked()
            self._plan_left = 0

    def discard(self) -> None:
        """Drop the episode being recorded (nothing is saved) and cancel the plan."""
        with self._lock:
            if self._state == "idle":
                self.events.add("nothing to discard")
                return
            self._cancel_locked()
            self._plan_left = 0
            self.events.add(f"episode {self._index} discarded")

    def rerecord(self) -> None:
        """Discard the last episode (the one recording, or the last saved) and record it again."""
        with self._lock:
            if self._state == "recording":
                self._cancel_locked()
                self.events.add(f"episode {self._index} discarded, recording it again")
            else:
                if self._last_ended is None:
                    raise RuntimeError("no episode to re-record")
                if self._state != "idle":
                    self._cancel_locked()
                index, path = self._last_ended
                self._last_ended = None
                self._next_index = index
                self._plan_left += 1
                self._submit_locked(lambda: self._delete(path))
                self.events.add(f"episode {index} deleted, recording it again")
            self._begin_next_locked(delay=self.config.reset_seconds)

    @property
    def state(self) -> str:
        """ "idle", "waiting", "armed" or "recording" (cheap: read on every tick)."""
        return self._state

    @property
    def prompt(self) -> str:
        """The prompt of the episodes planned or being recorded."""
        return self._prompt

    def status(self) -> RecorderStatus:
        """A copy of the recorder's state."""
        now = time.monotonic()
        with self._lock:
            seconds = 0.0
            if self._state == "recording" and self._frames:
                seconds = self._t_last - self._t_first
            elif self._state == "waiting":
                seconds = min(0.0, now - self._start_after)
            index = self._index if self._state != "idle" else self._next_index
            dropped = self._dropped_closed + (self._writer.dropped if self._writer else 0)
            return RecorderStatus(
                state=self._state,
                episode_index=index,
                episode_seconds=seconds,
                episodes_left=self._plan_left,
                dropped=dropped,
                saved=tuple(self._saved),
                flagged=tuple(self._flagged),
                last_rate_hz=self._last_rate,
                failures=tuple(self._failures),
            )

    def is_idle(self) -> bool:
        """True when no episode is planned or open and every file is closed."""
        with self._lock:
            return self._state == "idle" and not self._pending_jobs

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no episode is planned or open and every file is closed."""
        with self._idle:
            return self._idle.wait_for(
                lambda: self._state == "idle" and not self._pending_jobs, timeout
            )

    def close(self) -> None:
        """Save the episode in progress and stop the file thread."""
        self.stop_episode()
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            self._jobs.put(None)
            worker.join()

    # -- control loop -------------------------------------------------------------------------

    def on_tick(self, sample: TickSample) -> None:
        """Advance the episode state machine by one tick; never blocks on the disk."""
        with self._lock:
            if self._state == "waiting" and self._writer is not None:
                if sample.timestamp >= self._start_after:
                    self._arm_or_start_locked(sample)
            elif self._state == "armed":
                self._check_squeeze_locked(sample)
            if self._state == "recording":
                self._add_frame_locked(sample)

    # -- state machine (lock held) ------------------------------------------------------------

    def _begin_next_locked(self, delay: float) -> None:
        self._plan_left -= 1
        self._index = self._next_index
        self._next_index += 1
        self._state = "waiting"
        self._start_after = time.monotonic() + delay
        index, prompt, generation = self._index, self._prompt, self._generation
        self._submit_locked(lambda: self._open(index, prompt, generation))

    def _arm_or_start_locked(self, sample: TickSample) -> None:
        if self.config.squeeze_to_start and sample.leader_grippers is not None:
            self._state = "armed"
            self._released = min(sample.leader_grippers) > self.config.squeeze_below
            self.events.add(f"episode {self._index}: squeeze both leader grippers to start")
        else:
            self._start_locked()

    def _check_squeeze_locked(self, sample: TickSample) -> None:
        grippers = sample.leader_grippers
        if grippers is None:
            self._start_locked()
            return
        below = self.config.squeeze_below
        if min(grippers) > below:
            self._released = True  # a squeeze counts only after the grippers were open
        elif self._released and max(grippers) < below:
            self._start_locked()

    def _start_locked(self) -> None:
        self._state = "recording"
        self._frames = 0
        self.events.add(f"episode {self._index}: recording")

    def _add_frame_locked(self, sample: TickSample) -> None:
        self._writer.add_frame(
            sample.qpos, sample.qvel, sample.effort, sample.action, sample.images, sample.timestamp
        )
        if not self._frames:
            self._t_first = sample.timestamp
        self._t_last = sample.timestamp
        self._frames += 1
        if self._seconds is not None and self._frames >= round(self._seconds * self.config.fps):
            self._end_locked(save=True)

    def _end_locked(self, save: bool) -> None:
        writer, index, frames = self._writer, self._index, self._frames
        span = self._t_last - self._t_first
        self._writer = None
        self._dropped_closed += writer.dropped
        self._last_ended = (index, self._path(index))
        self._submit_locked(lambda: self._finish(writer, index, frames, span))
        if self._plan_left > 0:
            self._begin_next_locked(delay=self.config.reset_seconds)
        else:
            self._state = "idle"
            self._idle.notify_all()

    def _cancel_locked(self) -> None:
        """Drop the open episode; it goes back into the plan (callers may then clear the plan)."""
        writer, self._writer = self._writer, None
        self._plan_left += 1
        self._generation += 1
        self._next_index = self._index
        self._state = "idle"
        if writer is not None:
            self._dropped_closed += writer.dropped
            self._submit_locked(writer.discard)
        self._idle.notify_all()

    def _path(self, index: int) -> Path:
        return self._folder / f"episode_{index}.hdf5"

    # -- file thread --------------------------------------------------------------------------

    def _submit_locked(self, job: Callable[[], None]) -> None:
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, name="recorder-files", daemon=True)
            self._worker.start()
        self._pending_jobs += 1
        self._jobs.put(job)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                job()
            except Exception as exc:  # a failed file must not stop the next episodes
                message = f"{type(exc).__name__}: {exc}"
                self.events.add(f"recording failed: {message}", logging.ERROR)
                with self._lock:
                    self._failures.append(message)
                    if self._state == "waiting" and self._writer is None:
                        self._plan_left = 0
                        self._state = "idle"
            finally:
                with self._lock:
                    self._pending_jobs -= 1
                    self._idle.notify_all()

    def _open(self, index: int, prompt: str, generation: int) -> None:
        shapes = self._wait_for_cameras()
        writer = self._writer_factory(
            self._path(index),
            cameras=shapes,
            prompt=prompt,
            fps=self.config.fps,
            robot=self.config.robot,
            sim=self.config.sim,
            compress=self.config.compress,
        )
        with self._lock:
            if generation == self._generation and self._state == "waiting":
                self._writer = writer
                return
        writer.discard()

    def _wait_for_cameras(self) -> dict[str, tuple[int, int]]:
        deadline = time.monotonic() + self.config.camera_wait_s
        while (shapes := self._camera_shapes()) is None:
            if time.monotonic() > deadline:
                raise RuntimeError("a camera has delivered no frame yet")
            time.sleep(0.02)
        return shapes

    def _finish(self, writer: Any, index: int, frames: int, span: float) -> None:
        path = Path(writer.close())
        rate = (frames - 1) / span if frames > 1 and span > 0 else 0.0
        flagged = rate < self.config.min_rate_fraction * self.config.fps
        with self._lock:
            self._saved.append(path)
            self._last_rate = rate
            if flagged:
                self._flagged.append(path)
        note = (
            f", below {self.config.min_rate_fraction:.0%} of target: re-record it"
            if flagged
            else ""
        )
        level = logging.WARNING if flagged else logging.INFO
        self.events.add(f"episode {index} saved: {frames} frames at {rate:.1f} Hz{note}", level)

    def _delete(self, path: Path) -> None:
        with self._lock:
            if path in self._saved:
                self._saved.remove(path)
            if path in self._flagged:
                self._flagged.remove(path)
        path.unlink(missing_ok=True)
