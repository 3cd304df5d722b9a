"""How smooth the commanded joints were: the step at chunk switches and the mean jerk."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from recordings.layout import GRIPPER_COLUMNS

# The twelve arm joints (radians); the grippers' commands are normalised positions, left out.
ARM_JOINTS = np.array([column for column in range(14) if column not in GRIPPER_COLUMNS])


def max_switch_step(actions: np.ndarray, switch_ticks: Sequence[int]) -> float | None:
    """Largest |a[k] − a[k−1]| of any arm joint over the ticks k where a new chunk took over.

    None when no chunk ever replaced another (the scripted expert, or a single chunk).
    """
    ticks = [k for k in switch_ticks if 0 < k < len(actions)]
    if not ticks:
        return None
    steps = np.abs(actions[ticks][:, ARM_JOINTS] - actions[np.array(ticks) - 1][:, ARM_JOINTS])
    return float(steps.max())


def max_chunk_step(actions: np.ndarray, switch_ticks: Sequence[int]) -> float | None:
    """Largest |a[k] − a[k−1]| of any arm joint over the other ticks, inside a chunk: the motion's
    own step, which a switch step cannot be smaller than (None for fewer than two ticks)."""
    inside = np.setdiff1d(np.arange(1, len(actions)), np.asarray(switch_ticks, dtype=int))
    if not len(inside):
        return None
    steps = np.abs(actions[inside][:, ARM_JOINTS] - actions[inside - 1][:, ARM_JOINTS])
    return float(steps.max())


def mean_abs_jerk(actions: np.ndarray, period_s: float) -> float | None:
    """Mean |third difference| / period³ of the arm joints' commands, rad/s³ (None if < 4 ticks)."""
    if len(actions) < 4:
        return None
    jerk = np.diff(actions[:, ARM_JOINTS], n=3, axis=0) / period_s**3
    return float(np.abs(jerk).mean())
