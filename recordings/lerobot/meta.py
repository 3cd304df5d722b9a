"""A LeRobot dataset's metadata: info.json, tasks and the per-episode table (v3.0 or v2.1)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from recordings.lerobot import layout


class LeRobotFormatError(ValueError):
    """A LeRobot dataset lacks something or holds something unreadable; says what, in words."""


@dataclass(frozen=True)
class VideoSpan:
    """Where an episode's frames of one camera lie: a file and the time of its first frame."""

    file: str  # relative to the dataset root
    from_timestamp: float  # seconds into the file of the episode's frame 0
    to_timestamp: float | None  # seconds into the file after its last frame (None: file end)


@dataclass(frozen=True)
class EpisodeEntry:
    """One row of the episode table."""

    index: int  # episode_index
    length: int  # frames
    tasks: tuple[str, ...]
    data_file: str  # parquet file holding its frames, relative to the root
    videos: dict[str, VideoSpan] = field(default_factory=dict)  # video key -> span


@dataclass(frozen=True)
class LeRobotMeta:
    """Everything read from meta/: the frames and videos are read only when asked."""

    root: Path
    version: str
    fps: float
    robot_type: str
    features: dict  # feature key -> {dtype, shape, names, info?}
    episodes: tuple[EpisodeEntry, ...]

    @property
    def video_keys(self) -> tuple[str, ...]:
        """Features stored as MP4 videos."""
        return tuple(k for k, f in self.features.items() if f.get("dtype") == "video")

    @property
    def image_keys(self) -> tuple[str, ...]:
        """Features stored as images inside the parquet files."""
        return tuple(k for k, f in self.features.items() if f.get("dtype") == "image")

    def episode(self, index: int) -> EpisodeEntry:
        """The entry of episode `index`; LeRobotFormatError if there is none."""
        for entry in self.episodes:
            if entry.index == index:
                return entry
        raise LeRobotFormatError(f"{self.root}: no episode {index} in its metadata")


def read_info(root: Path) -> dict:
    """meta/info.json, checked for a known codebase_version."""
    path = root / layout.INFO
    if not path.is_file():
        raise LeRobotFormatError(f"missing {layout.INFO}: not a complete LeRobot dataset")
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise LeRobotFormatError(f"{layout.INFO} is not valid JSON ({exc})") from None
    if not isinstance(info, dict):
        raise LeRobotFormatError(f"{layout.INFO} holds no JSON object")
    version = info.get("codebase_version")
    if version not in layout.VERSIONS:
        raise LeRobotFormatError(
            f"unknown codebase_version {version!r} in {layout.INFO} "
            f"(readable: {', '.join(layout.VERSIONS)})"
        )
    for key in ("fps", "features"):
        if key not in info:
            raise LeRobotFormatError(f"{layout.INFO} has no {key!r}")
    return info


def load_meta(root: Path | str) -> LeRobotMeta:
    """The metadata of the dataset at `root` (cached until its info.json changes)."""
    root = Path(root).resolve()
    info = root / layout.INFO
    stamp = info.stat().st_mtime_ns if info.is_file() else 0
    return _load_meta(root, stamp)


@functools.lru_cache(maxsize=16)
def _load_meta(root: Path, _info_stamp: int) -> LeRobotMeta:
    info = read_info(root)
    version = info["codebase_version"]
    features = info["features"]
    videos = tuple(k for k, f in features.items() if f.get("dtype") == "video")
    if version == layout.V30:
        episodes = _v30_episodes(root, info, videos)
    else:
        episodes = _v21_episodes(root, info, videos)
    return LeRobotMeta(
        root=root,
        version=version,
        fps=float(info["fps"]),
        robot_type=str(info.get("robot_type") or ""),
        features=features,
        episodes=episodes,
    )


def read_parquet(path: Path, root: Path, columns: list[str] | None = None, **kw) -> pa.Table:
    """A parquet table, or LeRobotFormatError saying which file is missing or corrupt."""
    name = path.relative_to(root) if path.is_relative_to(root) else path
    if not path.is_file():
        raise LeRobotFormatError(f"missing parquet file {name}")
    try:
        return pq.read_table(path, columns=columns, **kw)
    except (pa.ArrowException, OSError, ValueError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise LeRobotFormatError(f"corrupt parquet file {name}: {reason}") from None


def _v30_episodes(root: Path, info: dict, videos: tuple[str, ...]) -> tuple[EpisodeEntry, ...]:
    files = sorted((root / layout.EPISODES_DIR).glob("chunk-*/file-*.parquet"))
    if not files:
        raise LeRobotFormatError(f"no episode metadata in {layout.EPISODES_DIR}/")
    wanted = ["episode_index", "tasks", "length", "data/chunk_index", "data/file_index"]
    for key in videos:
        wanted += [f"videos/{key}/{c}" for c in _VIDEO_COLUMNS]
    rows: list[dict] = []
    for path in files:
        names = set(_schema_names(path, root))
        missing = [c for c in wanted if c not in names]
        if missing:
            raise LeRobotFormatError(
                f"{path.relative_to(root)} lacks column(s) {', '.join(missing)}"
            )
        rows += read_parquet(path, root, columns=wanted).to_pylist()
    data_path = info.get("data_path", layout.DATA_PATH)
    video_path = info.get("video_path") or layout.VIDEO_PATH
    entries = []
    for row in sorted(rows, key=lambda r: r["episode_index"]):
        data_file = data_path.format(
            chunk_index=row["data/chunk_index"], file_index=row["data/file_index"]
        )
        spans = {
            key: VideoSpan(
                file=video_path.format(
                    video_key=key,
                    chunk_index=row[f"videos/{key}/chunk_index"],
                    file_index=row[f"videos/{key}/file_index"],
                ),
                from_timestamp=float(row[f"videos/{key}/from_timestamp"]),
                to_timestamp=float(row[f"videos/{key}/to_timestamp"]),
            )
            for key in videos
        }
        entries.append(
            EpisodeEntry(
                index=int(row["episode_index"]),
                length=int(row["length"]),
                tasks=tuple(row["tasks"] or ()),
                data_file=data_file,
                videos=spans,
            )
        )
    return tuple(entries)


_VIDEO_COLUMNS = ("chunk_index", "file_index", "from_timestamp", "to_timestamp")


def _v21_episodes(root: Path, info: dict, videos: tuple[str, ...]) -> tuple[EpisodeEntry, ...]:
    rows = _json_lines(root, layout.LEGACY_EPISODES)
    chunks = int(info.get("chunks_size", layout.CHUNKS_SIZE))
    data_path = info.get(
        "data_path", "data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet"
    )
    video_path = info.get("video_path") or (
        "videos/chunk-{episode_chunk:03d}/{video_key}/episode_{episode_index:06d}.mp4"
    )
    entries = []
    for row in sorted(rows, key=lambda r: r["episode_index"]):
        index, length = int(row["episode_index"]), int(row["length"])
        where = {"episode_chunk": index // chunks, "episode_index": index}
        spans = {
            key: VideoSpan(video_path.format(video_key=key, **where), 0.0, None) for key in videos
        }
        tasks = row.get("tasks") or ()
        entries.append(EpisodeEntry(index, length, tuple(tasks), data_path.format(**where), spans))
    return tuple(entries)


def _json_lines(root: Path, name: str) -> list[dict]:
    path = root / name
    if not path.is_file():
        raise LeRobotFormatError(f"missing {name}")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            raise LeRobotFormatError(f"{name} line {number} is not valid JSON") from None
        if not isinstance(row, dict) or "episode_index" not in row or "length" not in row:
            raise LeRobotFormatError(f"{name} line {number} lacks episode_index or length")
        rows.append(row)
    return rows


def _schema_names(path: Path, root: Path) -> list[str]:
    try:
        return pq.ParquetFile(path).schema_arrow.names
    except (pa.ArrowException, OSError, ValueError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise LeRobotFormatError(
            f"corrupt parquet file {path.relative_to(root)}: {reason}"
        ) from None
