"""Policy.load(compile=True): compiled before it returns, fixed shapes, the same actions."""

import numpy as np
import pytest
import torch

from pi0_core.bundled import BUNDLED_CHECKPOINT
from pi0_core.policy import Policy


def _observation(policy: Policy, prompt: str, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    obs = policy.blank_observation()
    obs["images"] = {
        name: rng.integers(0, 256, image.shape, dtype=np.uint8)
        for name, image in obs["images"].items()
    }
    obs["state"] = rng.normal(0, 0.3, obs["state"].shape).astype(np.float32)
    obs["prompt"] = prompt
    return obs


def test_compiled_policy_gives_the_eager_actions() -> None:
    torch._dynamo.reset()
    eager = Policy.load(BUNDLED_CHECKPOINT, device="cpu")
    compiled = Policy.load(BUNDLED_CHECKPOINT, device="cpu")
    # Dynamo's graphs without generated kernels keep the test quick; `--compile` uses inductor.
    compiled.enable_compile(backend="aot_eager")
    assert compiled.fast_options.compile and not compiled.fast_options.trim_padding
    noise = np.random.default_rng(0).normal(size=(50, 32)).astype(np.float32)
    for seed, prompt in enumerate(["pick up the red cube", "transfer the cube"]):
        obs = _observation(eager, prompt, seed)
        expected = eager.infer(obs, noise=noise)
        assert np.abs(compiled.infer(obs, noise=noise) - expected).max() < 1e-4


def test_blank_observation_matches_the_policy() -> None:
    policy = Policy.load(BUNDLED_CHECKPOINT, device="cpu")
    obs = policy.blank_observation()
    assert set(obs["images"]) == set(policy.cameras)
    assert obs["state"].shape == (policy.state_dim,)
    assert policy.infer(obs).shape == (policy.chunk_size, policy.action_dim)


@pytest.mark.parametrize("command", [["run"], ["eval", "--task", "pick_color", "--checkpoint"]])
def test_compile_flag_is_offered(command: list[str]) -> None:
    from app.cli.main import build_parser

    parser = build_parser()
    assert parser.parse_args(command).compile is False
    assert parser.parse_args([*command, "--compile"]).compile is True
