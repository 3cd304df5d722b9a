"""Names and conventions of an episode file (the ALOHA/ACT layout plus ours), and JPEG helpers."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

# Version of the attributes and datasets we add to ALOHA's layout; ALOHA's own files have none.
FORMAT_VERSION = 1

QPOS = "/observations/qpos"
QVEL = "/observations/qvel"
EFFORT = "/observations/effort"
ACTION = "/action"
IMAGES = "/observations/images"
COMPRESS_LEN = "/compress_len"  # (n_cams, T): JPEG byte count per camera and step
TIMESTAMP = "/timestamp"  # (T,) float64 seconds; ours, ALOHA has none
# (T, 7 * objects) float32 object poses of simulated episodes, as gym-aloha's env_state;
# its attribute OBJECTS names the objects (one pose x, y, z, qw, qx, qy, qz each).
ENV_STATE = "/observations/env_state"
OBJECTS = "objects"

# The (T, joints) float arrays every episode has, in the order ALOHA writes them.
JOINT_ARRAYS = (QPOS, QVEL, EFFORT, ACTION)

# ALOHA's 14-dim order: the left arm's seven values, then the right arm's.
ARM_JOINTS = (
    "waist",
    "shoulder",
    "elbow",
    "forearm_roll",
    "wrist_angle",
    "wrist_rotate",
    "gripper",
)
JOINT_NAMES = tuple(f"{side}_{joint}" for side in ("left", "right") for joint in ARM_JOINTS)
STATE_DIM = len(JOINT_NAMES)
GRIPPER_COLUMNS = tuple(i for i, name in enumerate(JOINT_NAMES) if name.endswith("_gripper"))

CAMERA_NAMES = ("cam_high", "cam_low", "cam_left_wrist", "cam_right_wrist")

DEFAULT_FPS = 50.0  # ALOHA records at 50 Hz and stores no rate
JPEG_QUALITY = 50  # what ALOHA's record script uses
EPISODE_SUFFIXES = (".hdf5", ".h5")
PARTIAL_SUFFIX = ".partial"  # appended to the final name while the episode is being written
PROMPT_FILE = "prompt.txt"  # per-folder prompt for files that store none


def partial_path(path: Path) -> Path:
    """Where an episode is written before it is complete: `<name>.hdf5.partial`."""
    return path.with_name(path.name + PARTIAL_SUFFIX)


def is_partial(path: Path) -> bool:
    """True for a file left by a writer that never closed its episode."""
    return path.name.endswith(PARTIAL_SUFFIX)


def ordered_cameras(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Camera names in ALOHA's order (cam_high, cam_low, wrists), unknown names after, sorted."""
    known = [name for name in CAMERA_NAMES if name in names]
    return tuple(known + sorted(name for name in names if name not in CAMERA_NAMES))


def encode_jpeg(image: np.ndarray, quality: int = JPEG_QUALITY) -> np.ndarray:
    """JPEG bytes (N,) uint8 of an (H, W, 3) image, channels kept as given (ALOHA's convention)."""
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError(f"could not encode an image of shape {image.shape} as JPEG")
    return encoded.reshape(-1)


def trim_padding(row: np.ndarray) -> np.ndarray:
    """The JPEG bytes of a zero-padded row (a JPEG ends with FF D9: trailing zeros are padding)."""
    nonzero = np.flatnonzero(row)
    return row[: nonzero[-1] + 1] if nonzero.size else row[:0]


def decode_jpeg(row: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 image from a JPEG row (padded or not); ValueError if it does not decode."""
    data = trim_padding(np.asarray(row, dtype=np.uint8))
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise ValueError("not a decodable JPEG image")
    return image
