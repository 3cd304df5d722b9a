"""openpi's ALOHA conventions, checked against values worked by hand from aloha_policy.py."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pi0_core.adapters import make_adapter

STATE = np.array(
    [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 1.0, -0.1, -0.2, -0.3, -0.4, -0.5, -0.6, 0.5], np.float32
)
# Gripper fully open (1.0): linear 0.058 m, (0.022² + 0.058² - 0.036²) / (2·0.022·0.058) = 1,
# arcsin(1) = π/2, normalised over [0.5476, 1.6296].
OPEN_ANGLE = (math.pi / 2 - 0.5476) / (1.6296 - 0.5476)
# Half open (0.5): linear 0.03822 m, ratio 0.0006487684 / 0.00168168.
HALF_ANGLE = (math.asin(0.0006487684 / 0.00168168) - 0.5476) / 1.082


def test_openpi_aloha_state_flips_joints_and_converts_grippers() -> None:
    state = make_adapter("openpi_aloha").observation({"state": STATE})["state"]
    joints = [0.1, -0.2, -0.3, 0.4, 0.5, 0.6, -0.1, 0.2, 0.3, -0.4, -0.5, -0.6]
    np.testing.assert_allclose(np.delete(state, [6, 13]), joints, atol=1e-7)
    np.testing.assert_allclose(state[[6, 13]], [OPEN_ANGLE, HALF_ANGLE], atol=1e-6)


def test_openpi_aloha_actions_flip_and_shift_grippers() -> None:
    actions = np.zeros((1, 14), np.float32)
    actions[0, 1], actions[0, 6], actions[0, 13] = 0.25, 0.3, -0.5476
    out = make_adapter("openpi_aloha").actions(actions)[0]
    assert out[1] == pytest.approx(-0.25)
    # (x + 0.5476) normalised over the puppet joint range [-0.6213, 1.4910]
    assert out[6] == pytest.approx((0.3 + 0.5476 + 0.6213) / 2.1123, abs=1e-6)
    assert out[13] == pytest.approx(0.6213 / 2.1123, abs=1e-6)


def test_openpi_aloha_delta_adds_the_state_to_the_arm_joints_only() -> None:
    adapter = make_adapter("openpi_aloha_delta")
    model_state = adapter.observation({"state": STATE})["state"]
    out = adapter.actions(np.zeros((1, 2, 14), np.float32), model_state[None])[0]
    # zero deltas: the arms hold where they are; the grippers are absolute (0 -> 0.5476 rad)
    np.testing.assert_allclose(out[:, :6], np.broadcast_to(STATE[:6], (2, 6)), atol=1e-6)
    np.testing.assert_allclose(out[:, 7:13], np.broadcast_to(STATE[7:13], (2, 6)), atol=1e-6)
    np.testing.assert_allclose(out[:, [6, 13]], 1.1689 / 2.1123, atol=1e-6)


def test_openpi_aloha_delta_training_actions_subtract_the_state() -> None:
    adapter = make_adapter("openpi_aloha_delta")
    model_state = adapter.observation({"state": STATE})["state"]
    recorded = np.tile(STATE, (3, 1))  # the arms asked to stay where they are
    target = adapter.training_actions(recorded, model_state)
    np.testing.assert_allclose(np.delete(target, [6, 13], axis=1), 0.0, atol=1e-6)
    np.testing.assert_allclose(adapter.actions(target, model_state), recorded, atol=1e-6)


def test_unknown_convention_lists_the_known_ones() -> None:
    with pytest.raises(
        ValueError, match="unknown convention 'aloha2'; known conventions: identity"
    ):
        make_adapter("aloha2")
