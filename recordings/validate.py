"""Checks episode files and says what is wrong with each in words a user understands."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from recordings import layout
from recordings.files import folder_episodes, folder_prompt

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_DECODED_SAMPLES = 8  # JPEG frames fully decoded per camera; every row's markers are checked


@dataclass(frozen=True)
class ValidationResult:
    """The verdict on one file (or on a folder with no episodes)."""

    path: Path  # or a LeRobotEpisode: one episode of a LeRobot dataset
    ok: bool
    message: str  # "OK (...)" or what is wrong


class EpisodeProblemError(Exception):
    """Something wrong with an episode file; the message is shown to the user as is."""


def validate_path(
    path: Path | str, camera_map: dict[str, str] | None = None
) -> list[ValidationResult]:
    """Check a file, every episode file (complete or partial) in a folder, or every episode
    of a LeRobot dataset folder (`camera_map`: its camera names -> ours)."""
    from recordings.lerobot.layout import is_lerobot_folder

    path = Path(path)
    if is_lerobot_folder(path):
        from recordings.lerobot.validate import validate_lerobot

        return validate_lerobot(path, camera_map)
    if path.is_dir():
        files = folder_episodes(path, include_partial=True)
        if not files:
            return [ValidationResult(path, False, "empty folder: no .hdf5 episode files in it")]
        return [validate_file(file) for file in files]
    if not path.exists():
        return [ValidationResult(path, False, "no such file or folder")]
    return [validate_file(path)]


def validate_file(path: Path | str) -> ValidationResult:
    """Check one episode file; never raises for a bad file."""
    path = Path(path)
    try:
        message = _check_file(path)
    except EpisodeProblemError as problem:
        return ValidationResult(path, False, str(problem))
    except Exception as exc:  # anything unforeseen still gets one line, not a traceback
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return ValidationResult(path, False, f"damaged file, could not be read: {first_line}")
    return ValidationResult(path, True, message)


def _check_file(path: Path) -> str:
    if layout.is_partial(path):
        raise EpisodeProblemError(_partial_message(path))
    _check_signature(path)
    try:
        file = h5py.File(path, "r")
    except OSError as exc:
        raise EpisodeProblemError(_open_failure(exc)) from exc
    with file:
        steps = _check_joint_arrays(file)
        cameras = _check_images(file, steps)
        _check_extras(file, steps, len(cameras))
        prompt = file.attrs.get("prompt") or folder_prompt(path)
        if isinstance(prompt, bytes):
            prompt = prompt.decode("utf-8", errors="replace")
    kind = "JPEG" if any(c.endswith("(JPEG)") for c in cameras) else "raw"
    names = ", ".join(c.split(" ")[0] for c in cameras)
    said = f"prompt {str(prompt)!r}" if prompt else "no prompt (add prompt.txt to the folder)"
    return f"OK ({steps} steps, {len(cameras)} cameras {kind}: {names}; {said})"


def _partial_message(path: Path) -> str:
    base = (
        "incomplete recording: the writer stopped before the episode was closed "
        "(the program was killed or crashed)"
    )
    try:
        with h5py.File(path, "r") as file:
            steps = min(len(file[name]) for name in layout.JOINT_ARRAYS if name in file)
    except Exception:
        return f"{base}; the file cannot be read"
    return f"{base}; {steps} steps were saved before it stopped"


def _open_failure(exc: OSError) -> str:
    reason = _hdf5_reason(exc)
    sizes = re.search(r"truncated file: eof = (\d+).*stored_eof = (\d+)", reason)
    if sizes:
        have, need = (int(size) for size in sizes.groups())
        return (
            f"truncated file: only {have:,} of its {need:,} bytes are there "
            "(an interrupted copy or download?)"
        )
    return f"damaged HDF5 file, it cannot be opened ({reason})"


def _check_signature(path: Path) -> None:
    size = path.stat().st_size
    if size == 0:
        raise EpisodeProblemError("empty file (0 bytes)")
    # HDF5 puts its signature at byte 0, or at 512, 1024, 2048... after a user block.
    with path.open("rb") as stream:
        offset = 0
        while offset < size:
            stream.seek(offset)
            if stream.read(len(_HDF5_SIGNATURE)) == _HDF5_SIGNATURE:
                return
            offset = 512 if offset == 0 else offset * 2
    raise EpisodeProblemError("not an HDF5 file (is it an episode? it has no HDF5 signature)")


def _check_joint_arrays(file: h5py.File) -> int:
    arrays = {}
    for name in layout.JOINT_ARRAYS:
        if name not in file:
            raise EpisodeProblemError(f"missing dataset {name}")
        dataset = file[name]
        if not isinstance(dataset, h5py.Dataset) or dataset.ndim != 2:
            raise EpisodeProblemError(
                f"{name} should be a (steps, joints) array, found {_shape(dataset)}"
            )
        if not np.issubdtype(dataset.dtype, np.number):
            raise EpisodeProblemError(f"{name} holds {dataset.dtype} values, not numbers")
        arrays[name] = dataset
    qpos = arrays[layout.QPOS]
    for name, dataset in arrays.items():
        if len(dataset) != len(qpos):
            raise EpisodeProblemError(
                f"lengths differ: {layout.QPOS} has {len(qpos)} steps but {name} has {len(dataset)}"
            )
        if dataset.shape[1] != qpos.shape[1]:
            raise EpisodeProblemError(
                f"{name} has {dataset.shape[1]} values per step but {layout.QPOS} has "
                f"{qpos.shape[1]}"
            )
    if len(qpos) == 0:
        raise EpisodeProblemError("no steps recorded (the episode is empty)")
    for name, dataset in arrays.items():
        values = _read(dataset, name)
        bad = np.flatnonzero(~np.isfinite(values).all(axis=1))
        if bad.size:
            raise EpisodeProblemError(
                f"{name} has NaN or infinite values at {bad.size} step(s), first at step {bad[0]}"
            )
    return len(qpos)


def _check_images(file: h5py.File, steps: int) -> list[str]:
    group = file.get(layout.IMAGES)
    if not isinstance(group, h5py.Group) or not len(group):
        raise EpisodeProblemError(f"no camera images ({layout.IMAGES} is missing or empty)")
    described = []
    for cam in layout.ordered_cameras(list(group.keys())):
        dataset = group[cam]
        name = f"{layout.IMAGES}/{cam}"
        if not isinstance(dataset, h5py.Dataset) or dataset.dtype != np.uint8:
            raise EpisodeProblemError(f"{name} should hold uint8 images, found {_shape(dataset)}")
        if len(dataset) != steps:
            raise EpisodeProblemError(
                f"lengths differ: {layout.QPOS} has {steps} steps but {name} has {len(dataset)}"
            )
        if dataset.ndim == 2:
            _check_jpeg_rows(dataset, cam)
            described.append(f"{cam} (JPEG)")
        elif dataset.ndim == 4 and dataset.shape[3] == 3:
            for t in _sample_steps(steps):
                _read(dataset, name, t)
            described.append(cam)
        else:
            raise EpisodeProblemError(
                f"{name} has shape {dataset.shape}: expected (steps, height, width, 3) images "
                "or (steps, bytes) JPEG rows"
            )
    return described


def _check_jpeg_rows(dataset: h5py.Dataset, cam: str) -> None:
    rows = _read(dataset, f"{layout.IMAGES}/{cam}")
    for t, row in enumerate(rows):
        data = layout.trim_padding(row)
        if data.size < 4:
            raise EpisodeProblemError(f"{cam} image at step {t} is empty")
        # A JPEG starts with FF D8 and ends with FF D9; checking every row is cheap.
        if data[0] != 0xFF or data[1] != 0xD8 or data[-2] != 0xFF or data[-1] != 0xD9:
            raise EpisodeProblemError(f"{cam} image at step {t} is not a JPEG image")
    for t in _sample_steps(len(rows)):
        try:
            layout.decode_jpeg(rows[t])
        except ValueError:
            raise EpisodeProblemError(f"{cam} image at step {t} cannot be decoded") from None


def _check_extras(file: h5py.File, steps: int, n_cams: int) -> None:
    if layout.TIMESTAMP in file and file[layout.TIMESTAMP].shape != (steps,):
        raise EpisodeProblemError(
            f"lengths differ: {layout.QPOS} has {steps} steps but {layout.TIMESTAMP} has "
            f"shape {file[layout.TIMESTAMP].shape}"
        )
    if layout.COMPRESS_LEN in file and file[layout.COMPRESS_LEN].shape != (n_cams, steps):
        raise EpisodeProblemError(
            f"{layout.COMPRESS_LEN} has shape {file[layout.COMPRESS_LEN].shape}, expected "
            f"({n_cams} cameras, {steps} steps)"
        )


def _sample_steps(steps: int) -> list[int]:
    return sorted(set(np.linspace(0, steps - 1, _DECODED_SAMPLES).astype(int).tolist()))


def _read(dataset: h5py.Dataset, name: str, index: int | None = None) -> np.ndarray:
    try:
        return dataset[()] if index is None else dataset[index]
    except OSError as exc:
        where = name if index is None else f"{name} at step {index}"
        raise EpisodeProblemError(
            f"damaged file: could not read {where} ({_hdf5_reason(exc)})"
        ) from exc


def _shape(item: object) -> str:
    if isinstance(item, h5py.Dataset):
        return f"{item.dtype} array of shape {item.shape}"
    return "a group, not an array"


def _hdf5_reason(exc: BaseException) -> str:
    # h5py's messages are long "Unable to ... (details)"; the last parenthesis is the cause.
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.rsplit("(", 1)[-1].rstrip(")") if "(" in text else text
