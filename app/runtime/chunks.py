"""Which action of which chunk runs on which tick: latency-aligned replacement and blending."""

from __future__ import annotations

import numpy as np


class ActionSchedule:
    """Actions keyed by loop tick. A new chunk replaces the rest of the old one from its tick on.

    A chunk computed from the observation of tick `t_obs` starts at `t_obs`: the steps that ran
    while the model was busy are skipped, so the robot never replays stale actions.
    """

    def __init__(self, blend: bool = False) -> None:
        self.blend = blend  # temporal ensembling: cross-fade the overlap of old and new chunk
        self._actions: np.ndarray | None = None  # (K, 14)
        self._start = 0  # tick of row 0
        self.chunk_start = 0  # tick of the observation the current chunk came from
        self.chunk_length = 0  # rows in the chunk as the policy returned it

    def clear(self) -> None:
        """Drop every scheduled action."""
        self._actions = None
        self.chunk_length = 0

    @property
    def empty(self) -> bool:
        """True before the first chunk and after `clear()`."""
        return self._actions is None

    def end_tick(self) -> int:
        """The first tick with no scheduled action."""
        return self._start + (0 if self._actions is None else len(self._actions))

    def executed(self, tick: int) -> int:
        """How many steps of the current chunk are behind us at `tick`."""
        return tick - self.chunk_start

    def install(self, chunk: np.ndarray, obs_tick: int, now_tick: int) -> int:
        """Install a (K, 14) chunk observed at `obs_tick` from `now_tick` on; returns skipped steps.

        Returns -1 (and changes nothing) when the whole chunk is already in the past.
        """
        chunk = np.asarray(chunk, np.float32)
        skipped = max(0, now_tick - obs_tick)
        if skipped >= len(chunk):
            return -1
        fresh = chunk[skipped:].copy()
        if self.blend and self._actions is not None:
            old = self.ahead(now_tick)
            overlap = min(len(old), len(fresh))
            if overlap:
                # Weight of the new chunk ramps 1/(n+1) .. n/(n+1) across the overlap.
                w = (np.arange(1, overlap + 1, dtype=np.float32) / (overlap + 1))[:, None]
                fresh[:overlap] = (1 - w) * old[:overlap] + w * fresh[:overlap]
        self._actions = fresh
        self._start = now_tick
        self.chunk_start = obs_tick
        self.chunk_length = len(chunk)
        return skipped

    def action(self, tick: int) -> np.ndarray | None:
        """The action for `tick`, or None when nothing is scheduled for it."""
        if self._actions is None:
            return None
        index = tick - self._start
        if 0 <= index < len(self._actions):
            return self._actions[index]
        return None

    def ahead(self, tick: int) -> np.ndarray:
        """(K, 14) the actions from `tick` to the end of the schedule (K may be 0)."""
        if self._actions is None:
            return np.zeros((0, 14), np.float32)
        return self._actions[max(0, tick - self._start) :].copy()
