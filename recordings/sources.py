"""One way in for every episode source: HDF5 files, and episodes of LeRobot dataset folders.

An episode is named by a `Path` (HDF5) or a `LeRobotEpisode`; `open_episode` gives a reader
with the same interface for both (state, action, images per camera, prompt, fps).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from recordings.files import episode_files
from recordings.lerobot.layout import is_lerobot_folder
from recordings.lerobot.meta import LeRobotFormatError, load_meta
from recordings.lerobot.names import camera_names, parse_camera_map, unknown_map_entries
from recordings.lerobot.reader import LeRobotEpisode, LeRobotEpisodeReader
from recordings.reader import EpisodeReader

EpisodeRef = Path | LeRobotEpisode
AnyEpisodeReader = EpisodeReader | LeRobotEpisodeReader


def find_episodes(
    paths: Path | str | LeRobotEpisode | Iterable[Path | str | LeRobotEpisode],
    camera_map: Mapping[str, str] | str | None = None,
) -> list[EpisodeRef]:
    """Expand HDF5 files, folders of them and LeRobot dataset folders into episodes.

    `camera_map` ({their camera name: ours}) applies to the LeRobot datasets; an entry that
    names none of a dataset's cameras is an error.
    """
    if isinstance(paths, (str, Path, LeRobotEpisode)):
        paths = [paths]
    mapping = parse_camera_map(camera_map)
    found: list[EpisodeRef] = []
    for path in paths:
        if isinstance(path, LeRobotEpisode):
            found.append(path)
        elif is_lerobot_folder(Path(path)):
            found.extend(lerobot_episodes(Path(path), mapping))
        else:
            found.extend(episode_files(path))
    return found


def lerobot_episodes(
    root: Path, camera_map: Mapping[str, str] | None = None
) -> list[LeRobotEpisode]:
    """Every episode of the LeRobot dataset at `root`."""
    try:
        meta = load_meta(root)
    except LeRobotFormatError as problem:
        raise LeRobotFormatError(f"{root}: {problem}") from None
    keys = meta.video_keys + meta.image_keys
    unknown = unknown_map_entries(keys, camera_map)
    if unknown:
        raise ValueError(
            f"--camera-map names {', '.join(unknown)}, not a camera of {root} "
            f"(its cameras: {', '.join(keys) or 'none'})"
        )
    camera_names(keys, camera_map)  # two cameras given one name fail here, once
    pairs = tuple(sorted((camera_map or {}).items()))
    return [LeRobotEpisode(meta.root, entry.index, pairs) for entry in meta.episodes]


def checked_episode_sources(
    paths: Iterable[Path | str], camera_map: Mapping[str, str] | None = None
) -> list[EpisodeRef]:
    """`find_episodes`, each episode validated; ValueError at the first bad one."""
    from recordings.lerobot.validate import validate_lerobot
    from recordings.validate import validate_file

    episodes = find_episodes(paths, camera_map)
    verdicts: dict[object, tuple[bool, str]] = {}
    for root in dict.fromkeys(e.root for e in episodes if isinstance(e, LeRobotEpisode)):
        for result in validate_lerobot(root, camera_map):
            verdicts[result.path] = (result.ok, result.message)
    for episode in episodes:
        if isinstance(episode, LeRobotEpisode):
            ok, message = verdicts.get(episode, (False, "not in the dataset's metadata"))
        else:
            result = validate_file(episode)
            ok, message = result.ok, result.message
        if not ok:
            raise ValueError(f"{episode}: {message}")
    return episodes


def open_episode(episode: EpisodeRef | str, prompt: str | None = None) -> AnyEpisodeReader:
    """A reader for the episode: `EpisodeReader` (HDF5) or `LeRobotEpisodeReader`."""
    if isinstance(episode, LeRobotEpisode):
        return LeRobotEpisodeReader(episode, prompt)
    return EpisodeReader(episode, prompt)
