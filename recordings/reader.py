"""Reading episodes: ours and those written by the original ALOHA/ACT scripts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from recordings import layout
from recordings.files import folder_prompt


class EpisodeFormatError(ValueError):
    """An episode file lacks something every episode must have."""


@dataclass(frozen=True)
class EpisodeFrame:
    """One step of an episode, images decoded."""

    qpos: np.ndarray  # (D,) float32
    qvel: np.ndarray  # (D,) float32
    effort: np.ndarray  # (D,) float32
    action: np.ndarray  # (D,) float32
    images: dict[str, np.ndarray]  # cam -> (H, W, 3) uint8
    timestamp: float  # seconds


@dataclass(frozen=True)
class Episode:
    """A whole episode in memory, images decoded."""

    qpos: np.ndarray  # (T, D) float32
    qvel: np.ndarray  # (T, D) float32
    effort: np.ndarray  # (T, D) float32
    action: np.ndarray  # (T, D) float32
    images: dict[str, np.ndarray]  # cam -> (T, H, W, 3) uint8
    timestamps: np.ndarray  # (T,) float64 seconds
    prompt: str
    fps: float
    sim: bool
    cameras: tuple[str, ...]
    robot: str = ""
    compress: bool = False

    def __len__(self) -> int:
        return len(self.qpos)


class EpisodeReader:
    """Lazy access to one episode file: metadata at once, arrays and images when asked.

    A missing prompt comes from `prompt`, else from `prompt.txt` beside the file, else "".
    """

    def __init__(self, path: Path | str, prompt: str | None = None) -> None:
        self.path = Path(path)
        try:
            self._file = h5py.File(self.path, "r")
        except OSError as exc:
            raise EpisodeFormatError(
                f"cannot open {self.path} as an HDF5 episode (`main.py validate` says why)"
            ) from exc
        try:
            self._check_layout()
        except Exception:
            self._file.close()
            raise
        attrs = self._file.attrs
        self.prompt = _text(attrs.get("prompt")) or prompt or folder_prompt(self.path) or ""
        self.fps = float(attrs.get("fps", layout.DEFAULT_FPS))
        self.sim = bool(attrs.get("sim", False))
        self.robot = _text(attrs.get("robot")) or ""
        self.cameras = self._camera_order()
        self.compress = any(self._file[f"{layout.IMAGES}/{c}"].ndim == 2 for c in self.cameras)
        self._length = min(len(self._file[name]) for name in self._length_datasets())

    def __len__(self) -> int:
        return self._length

    def __enter__(self) -> EpisodeReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the file. Safe to call twice."""
        if self._file.id.valid:
            self._file.close()

    @property
    def state_dim(self) -> int:
        """Values per step in qpos (14 on ALOHA)."""
        return int(self._file[layout.QPOS].shape[1])

    @property
    def action_dim(self) -> int:
        """Values per step in the action (14 on ALOHA)."""
        return int(self._file[layout.ACTION].shape[1])

    def array(self, name: str) -> np.ndarray:
        """A whole joint array (`layout.QPOS`, ...) as (T, D) float32."""
        return np.asarray(self._file[name][: self._length], dtype=np.float32)

    def object_poses(self) -> tuple[tuple[str, ...], np.ndarray] | None:
        """Object names and their poses (T, objects, 7) of a simulated episode, else None."""
        if layout.ENV_STATE not in self._file:
            return None
        dataset = self._file[layout.ENV_STATE]
        names = tuple(_text(name) or "" for name in dataset.attrs.get(layout.OBJECTS, []))
        poses = np.asarray(dataset[: self._length], dtype=np.float32)
        if not names or poses.shape[1] != 7 * len(names):
            raise EpisodeFormatError(
                f"{self.path}: {layout.ENV_STATE} holds {poses.shape[1]} values per step "
                f"for objects {list(names)}; expected 7 per object"
            )
        return names, poses.reshape(len(poses), len(names), 7)

    def timestamps(self) -> np.ndarray:
        """(T,) float64 seconds: stored ones, or step / fps for ALOHA's files."""
        if layout.TIMESTAMP in self._file:
            return np.asarray(self._file[layout.TIMESTAMP][: self._length], dtype=np.float64)
        return np.arange(self._length, dtype=np.float64) / self.fps

    def images(self, cam: str, t: int) -> np.ndarray:
        """Camera `cam` at step `t` as (H, W, 3) uint8."""
        if not 0 <= t < self._length:
            raise IndexError(f"step {t} outside episode of {self._length} steps")
        stored = self._file[f"{layout.IMAGES}/{cam}"][t]
        return layout.decode_jpeg(stored) if stored.ndim == 1 else np.asarray(stored)

    def frame(self, t: int) -> EpisodeFrame:
        """Everything recorded at step `t`."""
        images = {cam: self.images(cam, t) for cam in self.cameras}  # checks t first
        joints = [np.asarray(self._file[name][t], np.float32) for name in layout.JOINT_ARRAYS]
        if layout.TIMESTAMP in self._file:
            timestamp = float(self._file[layout.TIMESTAMP][t])
        else:
            timestamp = t / self.fps
        return EpisodeFrame(*joints, images=images, timestamp=timestamp)

    def load(self) -> Episode:
        """The whole episode in memory, images decoded."""
        return Episode(
            qpos=self.array(layout.QPOS),
            qvel=self.array(layout.QVEL),
            effort=self.array(layout.EFFORT),
            action=self.array(layout.ACTION),
            images={cam: self._all_images(cam) for cam in self.cameras},
            timestamps=self.timestamps(),
            prompt=self.prompt,
            fps=self.fps,
            sim=self.sim,
            cameras=self.cameras,
            robot=self.robot,
            compress=self.compress,
        )

    def _all_images(self, cam: str) -> np.ndarray:
        stored = self._file[f"{layout.IMAGES}/{cam}"][: self._length]
        if stored.ndim == 4:
            return stored
        return np.stack([layout.decode_jpeg(row) for row in stored])

    def _check_layout(self) -> None:
        for name in layout.JOINT_ARRAYS:
            if name not in self._file:
                raise EpisodeFormatError(f"{self.path.name}: missing dataset {name}")
        if layout.IMAGES not in self._file or not len(self._file[layout.IMAGES]):
            raise EpisodeFormatError(f"{self.path.name}: no camera images in {layout.IMAGES}")

    def _camera_order(self) -> tuple[str, ...]:
        present = list(self._file[layout.IMAGES].keys())
        stored = [_text(name) for name in self._file.attrs.get("cameras", [])]
        if stored and set(stored) == set(present):
            return tuple(stored)
        return layout.ordered_cameras(present)

    def _length_datasets(self) -> list[str]:
        # The shortest dataset bounds the episode: only a cut-short (partial) file has any gap.
        return [*layout.JOINT_ARRAYS, *(f"{layout.IMAGES}/{cam}" for cam in self.cameras)]


def load_episode(path: Path | str, prompt: str | None = None) -> Episode:
    """Read a whole episode (ours or ALOHA's, raw or JPEG images) into memory."""
    with EpisodeReader(path, prompt) as reader:
        return reader.load()


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)
