"""Checks a LeRobot dataset folder: one verdict per episode, or one line for the whole folder."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import av
import numpy as np

from recordings.layout import ordered_cameras
from recordings.lerobot import layout
from recordings.lerobot.meta import (
    EpisodeEntry,
    LeRobotFormatError,
    LeRobotMeta,
    load_meta,
    read_parquet,
)
from recordings.lerobot.names import camera_names, unknown_map_entries
from recordings.lerobot.reader import LeRobotEpisode
from recordings.lerobot.video import VideoError, VideoFrames, frame_times
from recordings.validate import EpisodeProblemError, ValidationResult


def validate_lerobot(
    root: Path | str, camera_map: Mapping[str, str] | None = None
) -> list[ValidationResult]:
    """One result per episode; a single failed result when the folder itself is unreadable."""
    root = Path(root)
    try:
        meta = load_meta(root)
        cameras = _check_features(meta, camera_map)
    except (LeRobotFormatError, ValueError) as problem:
        return [ValidationResult(root, False, str(problem))]
    except Exception as exc:  # a malformed info.json or table: one line, not a traceback
        message = f"damaged dataset, could not be read: {_reason(exc)}"
        return [ValidationResult(root, False, message)]
    checker = _Checker(meta, cameras)
    pairs = tuple(sorted((camera_map or {}).items()))
    results = []
    for entry in meta.episodes:
        episode = LeRobotEpisode(meta.root, entry.index, pairs)
        try:
            message = checker.check(entry)
        except (EpisodeProblemError, LeRobotFormatError) as problem:
            results.append(ValidationResult(episode, False, str(problem)))
        except Exception as exc:  # anything unforeseen still gets one line, not a traceback
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            results.append(ValidationResult(episode, False, f"could not be read: {first}"))
        else:
            results.append(ValidationResult(episode, True, message))
    if not results:
        return [ValidationResult(root, False, "no episodes in the dataset's metadata")]
    return results


def _check_features(meta: LeRobotMeta, camera_map: Mapping[str, str] | None) -> dict[str, str]:
    """{our camera name: feature key}, after the checks that concern the whole folder."""
    for key in (layout.STATE, layout.ACTION):
        if key not in meta.features:
            raise LeRobotFormatError(f"{layout.INFO} has no {key!r} feature")
    keys = meta.video_keys + meta.image_keys
    unknown = unknown_map_entries(keys, camera_map)
    if unknown:
        raise LeRobotFormatError(
            f"camera {', '.join(unknown)} of --camera-map is missing from the features "
            f"(cameras: {', '.join(keys) or 'none'})"
        )
    videos = meta.root / "videos"
    on_disk = (
        {p.name for p in videos.rglob("observation.*") if p.is_dir()} if videos.is_dir() else set()
    )
    stray = sorted(on_disk - set(meta.features))
    if stray:
        raise LeRobotFormatError(
            f"camera {', '.join(stray)} has videos but is missing from the features "
            f"in {layout.INFO}"
        )
    if not keys:
        raise LeRobotFormatError(f"no camera among the features in {layout.INFO}")
    names = camera_names(keys, camera_map)
    return {cam: names[cam] for cam in ordered_cameras(list(names))}


class _Checker:
    """Checks episodes one by one, reading each data and video file once."""

    def __init__(self, meta: LeRobotMeta, cameras: dict[str, str]) -> None:
        self.meta = meta
        self.cameras = cameras
        self._frames: dict[str, dict[int, np.ndarray]] = {}  # data file -> episode -> rows
        self._video_times: dict[str, np.ndarray] = {}

    def check(self, entry: EpisodeEntry) -> str:
        rows = self._rows(entry)
        if rows != entry.length:
            raise EpisodeProblemError(
                f"frame count {rows} in {entry.data_file} does not match the episode length "
                f"{entry.length} in its metadata"
            )
        for key in self.cameras.values():
            if key in entry.videos:
                self._check_video(entry, key)
        said = f"prompt {entry.tasks[0]!r}" if entry.tasks else "no task (no prompt)"
        names = ", ".join(self.cameras)
        return f"OK ({entry.length} steps, {len(self.cameras)} cameras video: {names}; {said})"

    def _rows(self, entry: EpisodeEntry) -> int:
        if entry.data_file not in self._frames:
            table = read_parquet(self.meta.root / entry.data_file, self.meta.root)
            for key in ("episode_index", layout.STATE, layout.ACTION):
                if key not in table.column_names:
                    raise EpisodeProblemError(f"{entry.data_file} has no {key!r} column")
            episodes = np.asarray(table["episode_index"].to_numpy())
            indices, counts = np.unique(episodes, return_counts=True)
            self._frames[entry.data_file] = dict(
                zip(indices.tolist(), counts.tolist(), strict=True)
            )
        return int(self._frames[entry.data_file].get(entry.index, 0))

    def _check_video(self, entry: EpisodeEntry, key: str) -> None:
        span = entry.videos[key]
        path = self.meta.root / span.file
        if not path.is_file():
            raise EpisodeProblemError(f"missing video file {span.file}")
        if span.file not in self._video_times:
            try:
                self._video_times[span.file] = frame_times(path)
            except (av.error.FFmpegError, OSError, IndexError) as exc:
                raise EpisodeProblemError(
                    f"damaged or truncated video file {span.file} ({_reason(exc)})"
                ) from None
        times = self._video_times[span.file]
        half = 0.5 / self.meta.fps
        end = span.from_timestamp + (entry.length - 1) / self.meta.fps
        if not len(times) or times[-1] < end - half:
            last = f"{times[-1]:.2f} s" if len(times) else "no frame"
            raise EpisodeProblemError(
                f"truncated video file {span.file}: it ends at {last}, the episode needs "
                f"frames up to {end:.2f} s"
            )
        stop = np.inf if span.to_timestamp is None else span.to_timestamp - half
        inside = int(((times >= span.from_timestamp - half) & (times < stop)).sum())
        if inside != entry.length:
            raise EpisodeProblemError(
                f"frame count {inside} in {span.file} does not match the episode length "
                f"{entry.length}"
            )
        video = VideoFrames(path, self.meta.fps)
        try:
            for seconds in (span.from_timestamp, end):
                video.frame_at(seconds)
        except VideoError as exc:
            raise EpisodeProblemError(str(exc)) from None
        finally:
            video.close()


def _reason(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
