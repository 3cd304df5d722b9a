"""The smoothness figures of commanded joints, on commands worked by hand."""

from __future__ import annotations

import numpy as np

from drivers.sim.smoothness import max_chunk_step, max_switch_step


def _commands() -> np.ndarray:
    actions = np.zeros((6, 14))
    actions[:, 0] = [0.0, 0.01, 0.03, 0.30, 0.32, 0.33]  # a jump of 0.27 at tick 3
    actions[:, 6] = [0.0, 1.0, 0.0, 1.0, 0.0, 1.0]  # the left gripper: not an arm joint
    return actions


def test_switch_step_is_the_step_at_the_switch_ticks() -> None:
    assert np.isclose(max_switch_step(_commands(), [3]), 0.27)
    assert np.isclose(max_switch_step(_commands(), [5]), 0.01)
    assert max_switch_step(_commands(), []) is None


def test_chunk_step_is_the_largest_step_elsewhere() -> None:
    assert np.isclose(max_chunk_step(_commands(), [3]), 0.02)  # tick 2: 0.01 -> 0.03
    assert np.isclose(max_chunk_step(_commands(), []), 0.27)
    assert max_chunk_step(_commands()[:1], []) is None
