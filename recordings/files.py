"""Finding episode files in folders; the per-folder prompt, and changing an episode's prompt."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from recordings.layout import EPISODE_SUFFIXES, PARTIAL_SUFFIX, PROMPT_FILE


def is_episode_file(path: Path, include_partial: bool = False) -> bool:
    """True for `*.hdf5` / `*.h5` files (and `*.hdf5.partial` when asked)."""
    name = path.name
    if include_partial and name.endswith(PARTIAL_SUFFIX):
        name = name[: -len(PARTIAL_SUFFIX)]
    return path.is_file() and name.endswith(EPISODE_SUFFIXES)


def folder_episodes(folder: Path, include_partial: bool = False) -> list[Path]:
    """Episode files directly in `folder`, in episode order (episode_2 before episode_10)."""
    files = [p for p in folder.iterdir() if is_episode_file(p, include_partial)]
    return sorted(files, key=_natural_key)


def episode_files(paths: Path | str | Iterable[Path | str]) -> list[Path]:
    """Expand files and folders into a list of complete episode files; raises on a bad path."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            episodes = folder_episodes(path)
            if not episodes:
                raise FileNotFoundError(f"no .hdf5 episodes in folder {path}")
            found.extend(episodes)
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"no such episode file or folder: {path}")
    return found


def folder_prompt(episode_path: Path) -> str | None:
    """The prompt in `prompt.txt` beside an episode file, or None if there is none."""
    prompt_file = Path(episode_path).parent / PROMPT_FILE
    if not prompt_file.is_file():
        return None
    text = prompt_file.read_text(encoding="utf-8").strip()
    return text or None


def set_episode_prompt(path: Path | str, prompt: str) -> None:
    """Store `prompt` in a finished episode file (its root's `prompt` attribute).

    Only the attribute changes; the recorded arrays are not touched. An empty prompt, a file
    still being recorded (`.partial`) or a file that is not HDF5 is refused with a clear error.
    """
    import h5py

    path = Path(path)
    prompt = prompt.strip()
    if not prompt:
        raise ValueError("the prompt is empty")
    if path.name.endswith(PARTIAL_SUFFIX):
        raise ValueError(f"{path.name} is still being recorded")
    if not is_episode_file(path):
        raise FileNotFoundError(f"no episode file at {path}")
    try:
        with h5py.File(path, "r+") as file:
            file.attrs["prompt"] = prompt
    except OSError as exc:
        raise ValueError(f"cannot write the prompt into {path.name}: {exc}") from exc


def _natural_key(path: Path) -> list[object]:
    # Numbers compare as numbers so that episode_10 sorts after episode_9.
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]
