"""Policy.infer equals transformers' own sample_actions on hand-built inputs."""

import numpy as np
import torch

from pi0_core.policy import Policy
from tests.pi0_core.conftest import MICRO, make_noise, make_observation


def _hand_built_inputs(policy: Policy, obs: dict) -> dict:
    """The documented input convention, written out without the library's transforms."""
    size = MICRO.image_size
    pixels = []
    for cam in policy.cameras:
        image = obs["images"][cam]  # already size x size in this test: no resize
        assert image.shape[:2] == (size, size)
        pixels.append(torch.from_numpy(image).permute(2, 0, 1).float() / 127.5 - 1.0)
    stats = policy.spec.stats
    state = (obs["state"] - stats.state_mean) / np.maximum(stats.state_std, 1e-2)
    text = [1, *(b + 3 for b in obs["prompt"].encode()), ord("\n") + 3]
    tokens = (size // MICRO.patch_size) ** 2 * len(policy.cameras)
    padding = MICRO.token_budget - len(text)
    image_id = policy.model.config.vlm_config.image_token_id
    return {
        "input_ids": torch.tensor([[image_id] * tokens + text + [0] * padding]),
        "attention_mask": torch.tensor([[1] * (tokens + len(text)) + [0] * padding]),
        "pixel_values": torch.stack(pixels)[None],
        "pixel_attention_mask": torch.ones(1, len(policy.cameras), dtype=torch.bool),
        "state": torch.nn.functional.pad(torch.tensor(state, dtype=torch.float32), (0, 18))[None],
    }


def test_infer_matches_sample_actions(policy: Policy) -> None:
    obs = make_observation(size=(MICRO.image_size, MICRO.image_size), prompt="pick up the cube")
    noise = make_noise()
    actions = policy.infer(obs, noise=noise)

    inputs = _hand_built_inputs(policy, obs)
    noise_t = torch.tensor(noise, dtype=torch.float32)[None]
    reference = policy.model.sample_actions(**inputs, noise=noise_t)[0, :, :14].numpy()
    stats = policy.spec.stats
    reference = reference * np.maximum(stats.action_std, 1e-2) + stats.action_mean

    assert actions.shape == (MICRO.chunk_size, 14)
    np.testing.assert_allclose(actions, reference, atol=1e-5, rtol=0)


def test_infer_batch_matches_infer(policy: Policy) -> None:
    observations = [make_observation(seed=s) for s in range(3)]
    noise = np.stack([make_noise(seed=s) for s in range(3)])
    batch = policy.infer_batch(observations, noise=noise)
    single = policy.infer(observations[1], noise=noise[1])
    assert batch.shape == (3, MICRO.chunk_size, 14)
    np.testing.assert_allclose(batch[1], single, atol=1e-5, rtol=0)
