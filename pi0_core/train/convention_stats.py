"""Normalisation statistics in the network's convention, as the training transform feeds it.

With a joint convention the network sees converted states and actions (flipped joints, gripper
angles, and with delta actions the arm joints relative to the chunk's state), so the statistics
are those of the converted values: over every (frame, chunk step) pair for delta actions.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from pi0_core.adapters import IdentityAdapter
from recordings import layout
from recordings.files import episode_files
from recordings.reader import EpisodeReader
from recordings.stats import NormStats, compute_norm_stats


def convention_stats(
    paths: Iterable[Path | str], adapter: IdentityAdapter, chunk_size: int
) -> NormStats:
    """Mean, std, 1st/99th percentiles of the converted states and actions of the episodes."""
    if adapter.name == "identity":
        return compute_norm_stats(paths)
    states, actions = [], []
    for path in episode_files(paths):
        with EpisodeReader(path) as reader:
            qpos, action = reader.array(layout.QPOS), reader.array(layout.ACTION)
        model_states = np.stack([adapter.observation({"state": s})["state"] for s in qpos])
        states.append(model_states)
        actions.append(_converted_actions(adapter, action, model_states, chunk_size))
    return _stats(np.concatenate(states), np.concatenate(actions))


def _converted_actions(
    adapter: IdentityAdapter, action: np.ndarray, model_states: np.ndarray, chunk_size: int
) -> np.ndarray:
    if not getattr(adapter, "delta", False):
        return adapter.training_actions(action)
    rows = []
    for step in range(len(action)):
        chunk = action[step : step + chunk_size]
        rows.append(adapter.training_actions(chunk, model_states[step]))
    return np.concatenate(rows)


def _stats(state: np.ndarray, action: np.ndarray) -> NormStats:
    state, action = state.astype(np.float64), action.astype(np.float64)
    values = {}
    for prefix, data in (("state", state), ("action", action)):
        values[f"{prefix}_mean"] = data.mean(axis=0)
        values[f"{prefix}_std"] = data.std(axis=0)
        values[f"{prefix}_q01"] = np.quantile(data, 0.01, axis=0)
        values[f"{prefix}_q99"] = np.quantile(data, 0.99, axis=0)
    return NormStats(**values)
