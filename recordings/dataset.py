"""A torch Dataset over episode files: images and state at t, the action chunk t..t+chunk-1."""

from __future__ import annotations

import logging
import os
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from torch.utils.data import Dataset

from recordings import layout
from recordings.sources import AnyEpisodeReader, find_episodes, open_episode

log = logging.getLogger(__name__)

_OPEN_FILES = 32  # per process; episodes beyond this are reopened when needed


class EpisodeDataset(Dataset):
    """One item per (episode, step). Files open lazily in each process (num_workers > 0 works).

    Near an episode's end the chunk is padded by repeating the last action, and `action_mask`
    is False on the padded steps. A file without a prompt takes `prompt`, else its folder's
    `prompt.txt`.

    `paths` may name LeRobot dataset folders too; `camera_map` maps their camera names to ours.

    With `object_poses`, every episode must hold the simulator's object poses and each item
    gets `object_poses`: object name -> pose (7,) at step t.
    """

    def __init__(
        self,
        paths: Path | str | Iterable[Path | str],
        chunk_size: int = 50,
        cameras: Iterable[str] | None = None,
        prompt: str | None = None,
        object_poses: bool = False,
        camera_map: dict[str, str] | None = None,
    ) -> None:
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
        self.episode_paths = find_episodes(paths, camera_map)
        self.chunk_size = chunk_size
        self._fallback_prompt = prompt
        lengths, prompts, dims, found_cameras, objects = [], [], set(), [], {}
        # Read metadata and close again: no HDF5 handle may cross a fork into the workers.
        for episode, path in enumerate(self.episode_paths):
            with open_episode(path, prompt) as reader:
                lengths.append(len(reader))
                prompts.append(reader.prompt)
                dims.add((reader.state_dim, reader.action_dim))
                found_cameras.append(reader.cameras)
                if object_poses:
                    objects[episode] = _object_poses(reader)
        if len(dims) != 1:
            raise ValueError(f"episodes disagree on state/action sizes: {sorted(dims)}")
        self.state_dim, self.action_dim = dims.pop()
        self.cameras = self._pick_cameras(cameras, found_cameras)
        self.episode_lengths = tuple(lengths)
        self.prompts = tuple(prompts)
        if not all(prompts):
            log.warning("some episodes have no prompt; give one or add prompt.txt to the folder")
        self._starts = np.concatenate([[0], np.cumsum(lengths)])  # (E + 1,) first item per episode
        self._pid = os.getpid()
        self._readers: OrderedDict[int, AnyEpisodeReader] = OrderedDict()
        self._joints: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        # episode -> (object names, poses (T, objects, 7)); small, kept from the start
        self.object_poses: dict[int, tuple[tuple[str, ...], np.ndarray]] = objects

    def __len__(self) -> int:
        return int(self._starts[-1])

    def __getitem__(self, index: int) -> dict:
        if not 0 <= index < len(self):
            raise IndexError(f"index {index} outside dataset of {len(self)} steps")
        episode = int(np.searchsorted(self._starts, index, side="right") - 1)
        t = int(index - self._starts[episode])
        reader = self._reader(episode)
        qpos, action = self._joint_arrays(episode, reader)
        steps = np.arange(t, t + self.chunk_size)
        real = steps < len(action)
        item = {
            "images": {cam: reader.images(cam, t) for cam in self.cameras},
            "state": qpos[t].copy(),
            "actions": action[np.minimum(steps, len(action) - 1)],  # (chunk, action_dim)
            "action_mask": real,  # (chunk,) False where the episode had ended
            "prompt": self.prompts[episode],
            "episode_index": episode,
            "t": t,
        }
        if self.object_poses:
            names, poses = self.object_poses[episode]
            item["object_poses"] = dict(zip(names, poses[t], strict=True))
        return item

    def episode_actions(self, episode: int) -> np.ndarray:
        """The (T, action_dim) actions of one episode, read without keeping the file open."""
        with open_episode(self.episode_paths[episode], self._fallback_prompt) as reader:
            return reader.array(layout.ACTION)

    def __getstate__(self) -> dict:
        # Open files do not pickle (spawned workers): each process opens its own.
        state = self.__dict__.copy()
        state["_readers"] = OrderedDict()
        state["_joints"] = {}
        return state

    def _reader(self, episode: int) -> AnyEpisodeReader:
        if os.getpid() != self._pid:  # a forked worker: never use the parent's handles
            self._pid = os.getpid()
            self._readers = OrderedDict()
        reader = self._readers.get(episode)
        if reader is None:
            reader = open_episode(self.episode_paths[episode], self._fallback_prompt)
            self._readers[episode] = reader
            if len(self._readers) > _OPEN_FILES:
                self._readers.popitem(last=False)[1].close()
        self._readers.move_to_end(episode)
        return reader

    def _joint_arrays(
        self, episode: int, reader: AnyEpisodeReader
    ) -> tuple[np.ndarray, np.ndarray]:
        # State and actions are small: read once per episode and process, keep in memory.
        if episode not in self._joints:
            self._joints[episode] = (reader.array(layout.QPOS), reader.array(layout.ACTION))
        return self._joints[episode]

    @staticmethod
    def _pick_cameras(
        wanted: Iterable[str] | None, found: list[tuple[str, ...]]
    ) -> tuple[str, ...]:
        common = set(found[0]).intersection(*found[1:])
        if wanted is None:
            if not common:
                raise ValueError("the episodes have no camera in common")
            return layout.ordered_cameras(list(common))
        wanted = tuple(wanted)
        missing = [cam for cam in wanted if cam not in common]
        if missing:
            raise ValueError(
                f"camera(s) {missing} missing from some episodes; cameras in all: {sorted(common)}"
            )
        return wanted


def _object_poses(reader: AnyEpisodeReader) -> tuple[tuple[str, ...], np.ndarray]:
    found = reader.object_poses()
    if found is None:
        raise ValueError(
            f"{reader.path} stores no object poses ({layout.ENV_STATE}): only simulated "
            "demonstrations written by `main.py demos` have them"
        )
    return found
