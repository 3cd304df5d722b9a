"""Normalisation statistics of state and action over every frame of a set of episodes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from recordings import layout
from recordings.sources import find_episodes, open_episode


@dataclass(frozen=True, eq=False)  # arrays do not compare with ==
class NormStats:
    """Per-dimension statistics of state (qpos) and action, all float32 arrays (D,)."""

    state_mean: np.ndarray
    state_std: np.ndarray  # population std (ddof=0)
    state_q01: np.ndarray  # 1st percentile
    state_q99: np.ndarray  # 99th percentile
    action_mean: np.ndarray
    action_std: np.ndarray
    action_q01: np.ndarray
    action_q99: np.ndarray

    def __post_init__(self) -> None:
        for field in fields(self):
            value = np.asarray(getattr(self, field.name), dtype=np.float32)
            if value.ndim != 1:
                raise ValueError(f"{field.name} must be a 1-D array, got shape {value.shape}")
            object.__setattr__(self, field.name, value)

    def to_dict(self) -> dict[str, list[float]]:
        """Plain lists, for JSON."""
        return {name: value.tolist() for name, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, list[float]]) -> NormStats:
        """The inverse of `to_dict`; raises on a missing key."""
        missing = [f.name for f in fields(cls) if f.name not in data]
        if missing:
            raise ValueError(f"normalisation stats lack {', '.join(missing)}")
        return cls(**{f.name: np.asarray(data[f.name], dtype=np.float32) for f in fields(cls)})


def compute_norm_stats(paths: Path | str | Iterable[Path | str]) -> NormStats:
    """Mean, std and 1st/99th percentiles of qpos and action over all frames of the episodes."""
    states, actions = [], []
    for path in find_episodes(paths):
        with open_episode(path) as reader:
            states.append(reader.array(layout.QPOS))
            actions.append(reader.array(layout.ACTION))
    state = np.concatenate(states).astype(np.float64)  # (frames, D); float64 for stable sums
    action = np.concatenate(actions).astype(np.float64)
    return NormStats(
        state_mean=state.mean(axis=0),
        state_std=state.std(axis=0),
        state_q01=np.quantile(state, 0.01, axis=0),
        state_q99=np.quantile(state, 0.99, axis=0),
        action_mean=action.mean(axis=0),
        action_std=action.std(axis=0),
        action_q01=np.quantile(action, 0.01, axis=0),
        action_q99=np.quantile(action, 0.99, axis=0),
    )
