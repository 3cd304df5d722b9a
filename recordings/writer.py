"""EpisodeWriter: takes frames from the 50 Hz control loop and writes them in its own thread."""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from recordings import layout
from recordings.episode_file import EpisodeAttrs, EpisodeFile, RecordedFrame, write_object_poses

log = logging.getLogger(__name__)

_STOP = object()  # queue sentinel: write what is queued, then finish
_MAX_BATCH = 16  # frames written per loop turn when the writer has fallen behind


class EpisodeWriter:
    """Records one episode to `<path>.partial`, renamed to `path` by `close()`.

    `add_frame` never blocks: it queues the frame, or counts it dropped when `queue_frames`
    frames are already waiting. Images are queued by reference, so the caller must hand over
    arrays it will not modify afterwards (camera drivers return a new array per frame).
    """

    def __init__(
        self,
        path: Path | str,
        *,
        cameras: dict[str, tuple[int, int]],
        prompt: str,
        fps: float = layout.DEFAULT_FPS,
        robot: str = "sim",
        sim: bool = True,
        compress: bool = False,
        queue_frames: int = 50,
        state_dim: int = layout.STATE_DIM,
        jpeg_quality: int = layout.JPEG_QUALITY,
        flush_seconds: float = 1.0,
        durable: bool = True,
    ) -> None:
        self.path = Path(path)
        # fsync the file before its rename and the folder after it, so that a saved episode
        # survives a power cut (costs close() the time the disk takes to write what is cached).
        self._durable = durable
        if self.path.suffix != ".hdf5":
            raise ValueError(f"episode path must end with .hdf5: {self.path}")
        if self.path.exists():
            raise FileExistsError(f"episode already exists, not overwriting it: {self.path}")
        if not cameras:
            raise ValueError("an episode needs at least one camera")
        if queue_frames < 1:
            raise ValueError(f"queue_frames must be at least 1, got {queue_frames}")
        self.partial_path = layout.partial_path(self.path)
        self._image_shapes = {cam: (h, w, 3) for cam, (h, w) in cameras.items()}
        self._state_dim = state_dim
        self._queue_frames = queue_frames
        self._flush_seconds = flush_seconds
        attrs = EpisodeAttrs(
            prompt=prompt,
            fps=fps,
            robot=robot,
            sim=sim,
            compress=compress,
            cameras=layout.ordered_cameras(list(cameras)),
            jpeg_quality=jpeg_quality,
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Created here, not in the thread, so a bad folder or a full disk fails at once.
        self._file = EpisodeFile(self.partial_path, attrs, dict(cameras), state_dim)
        # Unbounded so the stop sentinel always fits; add_frame enforces the bound itself.
        self._queue: queue.Queue = queue.Queue()
        self._dropped = 0
        self._frames_flushed = 0
        self._error: BaseException | None = None
        self._discarding = False
        self._state = "open"  # "open", "closed" or "discarded"
        self._thread = threading.Thread(target=self._run, name="episode-writer", daemon=True)
        self._thread.start()

    @property
    def dropped(self) -> int:
        """Frames not recorded because the queue was full (or the writer had failed)."""
        return self._dropped

    @property
    def frames_written(self) -> int:
        """Frames written to the file so far."""
        return self._file.frames

    @property
    def frames_flushed(self) -> int:
        """Frames handed to the OS: what a file left by a killed process holds at least."""
        return self._frames_flushed

    @property
    def pending(self) -> int:
        """Frames queued and not yet written."""
        return self._queue.qsize()

    def add_frame(
        self,
        qpos: np.ndarray,
        qvel: np.ndarray,
        effort: np.ndarray,
        action: np.ndarray,
        images: dict[str, np.ndarray],
        timestamp: float,
    ) -> bool:
        """Queue one control step; False if it was dropped or the episode is already closed."""
        if self._state != "open":
            return False
        self._check_images(images)
        if self._error is not None or self._queue.qsize() >= self._queue_frames:
            self._count_drop()
            return False
        frame = RecordedFrame(
            qpos=self._joint_vector(qpos, "qpos"),
            qvel=self._joint_vector(qvel, "qvel"),
            effort=self._joint_vector(effort, "effort"),
            action=self._joint_vector(action, "action"),
            images=dict(images),
            timestamp=float(timestamp),
        )
        self._queue.put_nowait(frame)
        return True

    def close(self, object_poses: tuple[Sequence[str], np.ndarray] | None = None) -> Path:
        """Write what is queued, close the file and rename it to its final `.hdf5` name.

        `object_poses` (the simulator's object names and their poses, (T, objects, 7)) go into
        the file before it is synced and renamed: an episode never appears without them.
        """
        if self._state == "closed":
            return self.path
        if self._state == "discarded":
            raise RuntimeError(f"episode was discarded: {self.path}")
        self._state = "closed"
        self._queue.put(_STOP)
        self._thread.join()
        if self._error is not None:
            raise RuntimeError(f"recording {self.path.name} failed: {self._error}") from self._error
        if self._file.frames == 0:
            self._remove_partial()
            raise ValueError(f"no frames were recorded for {self.path.name}; nothing saved")
        if object_poses is not None:
            write_object_poses(self.partial_path, *object_poses)
        if self._durable:
            _sync(self.partial_path)
        # Atomic on one filesystem: readers see either no episode or the complete one.
        os.replace(self.partial_path, self.path)
        if self._durable:
            _sync(self.path.parent)
        log.info("saved %s: %d frames, %d dropped", self.path, self._file.frames, self._dropped)
        return self.path

    def discard(self) -> None:
        """Stop recording and delete the episode (also one already closed). Safe to call twice."""
        if self._state == "discarded":
            return
        was_closed = self._state == "closed"
        self._state = "discarded"
        if was_closed:  # the thread is done; a failed close() left the .partial behind
            self.path.unlink(missing_ok=True)
            self._remove_partial()
            return
        self._discarding = True
        self._queue.put(_STOP)
        self._thread.join()
        self._remove_partial()

    def __enter__(self) -> EpisodeWriter:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.discard()

    def _run(self) -> None:
        last_flush = time.monotonic()
        unflushed = stop = False
        try:
            while not stop:
                batch, stop = self._next_batch()
                if self._discarding:
                    break
                if batch:
                    self._file.append(batch)
                    unflushed = True
                if stop:
                    self._file.close(self._dropped)
                elif unflushed and time.monotonic() - last_flush >= self._flush_seconds:
                    # Bounds what a killed process loses; no fsync, so it stays cheap.
                    self._file.flush()
                    self._frames_flushed = self._file.frames
                    last_flush, unflushed = time.monotonic(), False
        except Exception as exc:  # disk full, bad image: keep it for close() to raise
            log.exception("episode writer for %s failed", self.path)
            self._error = exc
            if not stop:
                self._drain_until_stop()
        self._file.abort()

    def _next_batch(self) -> tuple[list[RecordedFrame], bool]:
        # Block for one frame, then take whatever else is waiting, so a writer that fell
        # behind catches up with fewer, larger resizes.
        batch: list[RecordedFrame] = []
        try:
            item = self._queue.get(timeout=self._flush_seconds)  # wakes up to flush when idle
        except queue.Empty:
            return batch, False
        while item is not _STOP:
            batch.append(item)
            if len(batch) >= _MAX_BATCH:
                return batch, False
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return batch, False
        return batch, True

    def _drain_until_stop(self) -> None:
        while self._queue.get() is not _STOP:
            pass

    def _count_drop(self) -> None:
        self._dropped += 1
        # The first drop and then every 50th, so a struggling disk does not flood the log.
        if self._dropped == 1 or self._dropped % 50 == 0:
            reason = self._error or f"the queue of {self._queue_frames} frames is full"
            log.warning("%s: dropped %d frame(s): %s", self.path.name, self._dropped, reason)

    def _joint_vector(self, values: np.ndarray, name: str) -> np.ndarray:
        vector = np.array(values, dtype=np.float32).reshape(-1)
        if vector.shape != (self._state_dim,):
            raise ValueError(f"{name} must have {self._state_dim} values, got {vector.shape}")
        return vector

    def _check_images(self, images: dict[str, np.ndarray]) -> None:
        if images.keys() != self._image_shapes.keys():
            raise ValueError(f"images for {sorted(images)}, expected {sorted(self._image_shapes)}")
        for cam, image in images.items():
            if image.shape != self._image_shapes[cam] or image.dtype != np.uint8:
                raise ValueError(
                    f"{cam} image is {image.dtype} {image.shape}, "
                    f"expected uint8 {self._image_shapes[cam]}"
                )

    def _remove_partial(self) -> None:
        self.partial_path.unlink(missing_ok=True)


def _sync(path: Path) -> None:
    """Flush a file's (or a folder's entries') data to the disk; folders are skipped where the
    OS cannot open them (Windows)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except (IsADirectoryError, PermissionError):
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
