"""The ALOHA <-> original π0 joint convention."""

import numpy as np

from pi0_core.adapters import AlohaAdapter, make_adapter


def test_training_actions_invert_output_actions() -> None:
    adapter = AlohaAdapter()
    actions = np.random.default_rng(0).uniform(0.1, 0.9, size=(5, 14)).astype(np.float32)
    np.testing.assert_allclose(
        adapter.actions(adapter.training_actions(actions)), actions, atol=1e-6
    )


def test_joints_flip_sign_and_grippers_convert() -> None:
    adapter = AlohaAdapter()
    state = np.zeros(14, dtype=np.float32)
    state[[1, 2]] = 0.5
    state[[6, 13]] = 1.0  # fully open, normalised linear position
    out = adapter.observation({"state": state})["state"]
    assert out[1] == -0.5 and out[2] == -0.5
    assert 0.0 < out[6] == out[13] <= 1.0


def test_no_adapter_changes_nothing() -> None:
    actions = np.ones((2, 14))
    assert make_adapter(None).actions(actions) is actions
