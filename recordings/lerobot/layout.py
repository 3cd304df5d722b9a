"""Names and conventions of a LeRobotDataset folder, as LeRobot's `datasets/` sources write them."""

from __future__ import annotations

from pathlib import Path

V30 = "v3.0"
V21 = "v2.1"
VERSIONS = (V30, V21)

INFO = "meta/info.json"
STATS = "meta/stats.json"
TASKS = "meta/tasks.parquet"  # v3.0: column `task` (the pandas index) and `task_index`
EPISODES_DIR = "meta/episodes"  # v3.0: meta/episodes/chunk-000/file-000.parquet
EPISODES_PATH = "meta/episodes/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
DATA_PATH = "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
VIDEO_PATH = "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4"
# v2.1: one parquet and one video per episode, metadata as JSON lines
LEGACY_EPISODES = "meta/episodes.jsonl"
LEGACY_TASKS = "meta/tasks.jsonl"
LEGACY_EPISODES_STATS = "meta/episodes_stats.jsonl"

CHUNKS_SIZE = 1000  # files per chunk folder
DATA_FILES_SIZE_MB = 100
VIDEO_FILES_SIZE_MB = 200

STATE = "observation.state"
ACTION = "action"
VELOCITY = "observation.velocity"
EFFORT = "observation.effort"
IMAGE_PREFIX = "observation.images."
# Ours: the HDF5 episode's recorded clock (seconds), kept so a round trip gives it back exactly;
# LeRobot's own `timestamp` must be frame_index / fps.
RECORDED_TIME = "observation.recorded_time"

# Columns every frame has besides the features (LeRobot's DEFAULT_FEATURES).
FRAME_COLUMNS = {
    "timestamp": "float32",
    "frame_index": "int64",
    "episode_index": "int64",
    "index": "int64",
    "task_index": "int64",
}

QUANTILES = (0.01, 0.10, 0.50, 0.90, 0.99)
STAT_NAMES = ("min", "max", "mean", "std", "count", *(f"q{round(q * 100):02d}" for q in QUANTILES))

# LeRobot's default video encoder (RGB): SVT-AV1, yuv420p, a keyframe every 2 frames.
CODECS = {"av1": "libsvtav1", "h264": "h264"}
PIX_FMT = "yuv420p"
GOP = 2
CRF = {"libsvtav1": 30, "h264": 23}
PRESET = {"libsvtav1": 12, "h264": "medium"}

# Camera names of LeRobot's ALOHA sets -> ours; names not listed keep their own.
DEFAULT_CAMERA_MAP = {"top": "cam_high"}


def is_lerobot_folder(path: Path) -> bool:
    """True for a folder that looks like a LeRobot dataset (has meta/ or data/ with parquet)."""
    path = Path(path)
    if not path.is_dir():
        return False
    if (path / "meta").is_dir():
        return True
    data = path / "data"
    return data.is_dir() and any(data.rglob("*.parquet"))


def camera_key(name: str) -> str:
    """The short camera name of a video feature: `observation.images.top` -> `top`."""
    return name[len(IMAGE_PREFIX) :] if name.startswith(IMAGE_PREFIX) else name
