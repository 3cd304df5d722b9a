"""Guided sampling (real-time chunking): weights, the exact unguided path, inpainting a prefix."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pi0_core.fast.guidance import (
    Guidance,
    GuidanceConfig,
    guidance_weight,
    guided_velocity,
    soft_mask,
)
from tests.pi0_core.conftest import make_noise, make_observation


def test_soft_mask_matches_hand_worked_values() -> None:
    # overlap 5, delay 2: c = 3/4, 2/4, 1/4 at i = 2, 3, 4; W = c (e^c - 1) / (e - 1).
    expected = [1.0, 1.0, 0.487551, 0.188770, 0.041324, 0.0, 0.0, 0.0]
    assert soft_mask(5, 2, 8) == pytest.approx(expected, abs=1e-6)


def test_soft_mask_clips_the_delay_to_the_overlap_and_the_overlap_to_the_chunk() -> None:
    assert soft_mask(3, 7, 6).tolist() == [1, 1, 1, 0, 0, 0]
    assert soft_mask(9, 0, 4)[0] == pytest.approx(0.8 * np.expm1(0.8) / (np.e - 1), abs=1e-6)


def test_guidance_weight_matches_hand_worked_values() -> None:
    # ((1 - t)^2 + t^2) / (t (1 - t)): 0.5 -> 2, 0.8 -> 0.68 / 0.16, 0.9 -> 0.82 / 0.09.
    assert guidance_weight(0.5, 10.0) == pytest.approx(2.0)
    assert guidance_weight(0.8, 10.0) == pytest.approx(4.25)
    assert guidance_weight(0.9, 10.0) == pytest.approx(82 / 9)
    assert guidance_weight(0.9, 5.0) == 5.0  # clipped at beta
    assert guidance_weight(1.0, 5.0) == 5.0  # pure noise: unbounded, so beta


def _linear_guidance(jacobian: bool) -> tuple[torch.Tensor, torch.Tensor, Guidance]:
    torch.manual_seed(0)
    matrix = torch.randn(4, 4)
    x = torch.randn(1, 2, 4)
    target, weights = torch.randn(1, 2, 4), torch.rand(1, 2, 4)
    return matrix, x, Guidance(target, weights, GuidanceConfig(beta=3.0, jacobian=jacobian))


@pytest.mark.parametrize("jacobian", [True, False])
def test_correction_is_the_vector_jacobian_product_only_for_the_paper_variant(jacobian) -> None:
    matrix, x, guidance = _linear_guidance(jacobian)
    t = 0.6

    def velocity(x: torch.Tensor) -> torch.Tensor:
        return x @ matrix.T  # v = A x, so the clean estimate x - t A x has J = I - t A

    v = velocity(x)
    error = guidance.weights * (guidance.target - (x - t * v))
    jacobian_t_error = error - t * error @ matrix  # J^T e, row-vector form
    weight = guidance_weight(t, 3.0)
    guided = guided_velocity(velocity, x, t, guidance)
    paper = v - weight * jacobian_t_error
    assert torch.allclose(guided, paper, atol=1e-5) is jacobian
    if not jacobian:  # the Jacobian-free variant takes J = I
        assert torch.allclose(guided, v - weight * error, atol=1e-6)


def test_no_prefix_is_the_unguided_sampler_exactly(policy) -> None:
    obs, noise = make_observation(), make_noise(1)
    unguided = policy.infer(obs, noise)
    assert np.array_equal(policy.infer(obs, noise, prefix=None, delay=5), unguided)
    assert np.array_equal(policy.infer(obs, noise, prefix=np.zeros((0, 14))), unguided)


@pytest.mark.parametrize("jacobian", [True, False])
def test_zero_weights_leave_the_chunk_unchanged(policy, jacobian) -> None:
    inputs = policy.prepare([make_observation()])
    noise = torch.as_tensor(make_noise(1), dtype=torch.float32)[None]
    zeros = torch.zeros_like(noise)
    guidance = Guidance(torch.randn_like(noise), zeros, GuidanceConfig(jacobian=jacobian))
    unguided = policy.sample_chunk(inputs, noise)
    guided = policy.sample_chunk(inputs, noise, guidance)
    assert torch.allclose(guided, unguided, atol=1e-6, rtol=0)


@pytest.mark.parametrize("jacobian", [True, False])
def test_frozen_actions_follow_the_prefix_with_a_large_beta(policy, jacobian) -> None:
    obs, delay = make_observation(), 4
    previous = policy.infer(obs, make_noise(0))
    free = policy.infer(obs, make_noise(1))
    config = GuidanceConfig(beta=10.0, jacobian=jacobian)
    guided = policy.infer(obs, make_noise(1), prefix=previous, delay=delay, guidance=config)
    gap = np.abs(free[:delay] - previous[:delay]).max()
    assert np.abs(guided[:delay] - previous[:delay]).max() < 0.01 * gap
    # Past the overlap nothing pulls: the tail stays far from the previous chunk.
    assert np.abs(guided[-1] - previous[-1]).max() > 0.1 * gap


def test_guidance_pulls_less_with_a_smaller_beta(policy) -> None:
    obs, previous = make_observation(), policy.infer(make_observation(), make_noise(0))
    errors = []
    for beta in (1.0, 10.0):
        config = GuidanceConfig(beta=beta)
        guided = policy.infer(obs, make_noise(1), prefix=previous, delay=3, guidance=config)
        errors.append(np.abs(guided[:3] - previous[:3]).max())
    assert errors[1] < errors[0]


def test_bad_prefix_and_delay_are_refused(policy) -> None:
    obs = make_observation()
    with pytest.raises(ValueError, match="prefix has shape"):
        policy.infer(obs, prefix=np.zeros((3, 5)))
    with pytest.raises(ValueError, match="delay"):
        policy.infer(obs, prefix=np.zeros((3, 14)), delay=-1)
    with pytest.raises(ValueError, match="beta"):
        GuidanceConfig(beta=0.0)


def test_guided_sampling_needs_the_fast_sampler(policy) -> None:
    policy.use_fast_sampler = False
    with pytest.raises(ValueError, match="fast sampler"):
        policy.infer(make_observation(), prefix=np.zeros((3, 14)))


def test_batched_rows_are_guided_independently(policy) -> None:
    obs = make_observation()
    previous = policy.infer(obs, make_noise(0))
    noise = np.stack([make_noise(1), make_noise(1)])
    rows = policy.infer_batch([obs, obs], noise, prefix=[previous, None], delay=[4, 0])
    alone = policy.infer(obs, make_noise(1), prefix=previous, delay=4)
    assert np.allclose(rows[0], alone, atol=1e-4)
    assert np.allclose(rows[1], policy.infer(obs, make_noise(1)), atol=1e-4)


def test_the_samplers_vector_jacobian_product_goes_through_the_network(policy, monkeypatch) -> None:
    import pi0_core.fast.sampler as sampler_module

    checks = []

    def checked(velocity, x, t, guidance, with_pullback=None):
        direction, error = torch.randn_like(x), torch.randn_like(x)
        assert with_pullback is not None  # the fused expert's VJP is written out by hand
        _, pullback = with_pullback(x)
        vjp = error - t * pullback(error)  # read before the velocities below overwrite kv
        h = 1e-3
        with torch.no_grad():
            plus, minus = x + h * direction, x - h * direction
            jvp = (plus - t * velocity(plus) - minus + t * velocity(minus)) / (2 * h)
        checks.append(((vjp * direction).sum().item(), (error * jvp).sum().item()))
        return guided_velocity(velocity, x, t, guidance, with_pullback)

    monkeypatch.setattr(sampler_module, "guided_velocity", checked)
    obs = make_observation()
    policy.infer(obs, make_noise(1), prefix=policy.infer(obs, make_noise(0)), delay=2)
    assert len(checks) == policy.model.config.num_inference_steps
    for backward, forward in checks:  # <J^T e, u> == <e, J u>, J u by finite differences
        assert backward == pytest.approx(forward, rel=1e-2, abs=1e-3)


def test_delta_convention_guides_toward_the_prefix_relative_to_the_new_state() -> None:
    from tests.pi0_core.layouts.writers import aloha_observation, aloha_policy, noise

    policy = aloha_policy({"adapter": "openpi_aloha_delta"})
    previous = policy.infer(aloha_observation(0), noise(0))
    later = aloha_observation(0)
    later["state"] = later["state"] + 0.2  # the arm has moved on since the previous chunk
    config, delay = GuidanceConfig(beta=10.0, jacobian=False), 4
    free = policy.infer(later, noise(1))
    guided = policy.infer(later, noise(1), prefix=previous, delay=delay, guidance=config)
    gap = np.abs(free[:delay] - previous[:delay]).max()
    assert np.abs(guided[:delay] - previous[:delay]).max() < 0.02 * gap


def test_the_hand_written_pullback_is_autograds_vector_jacobian_product(policy) -> None:
    from pi0_core.fast.fused import FusedExpert, fused_rope, fused_velocity
    from pi0_core.fast.parts import Pi0Parts
    from pi0_core.fast.pullback import supports_pullback, velocity_with_pullback

    parts = Pi0Parts.of(policy.model)
    expert = FusedExpert.of(parts, gelu_by_sigmoid=True)
    assert supports_pullback(expert)
    torch.manual_seed(0)
    layers, start = len(expert.layers), 7  # 6 prefix tokens and the state's
    chunk, width = policy.spec.chunk_size, expert.action_in[0].shape[1]
    head_dim = expert.layers[0].head_dim
    shape = (layers, 1, expert.layers[0].kv_heads, start + chunk, head_dim)
    kv = (torch.randn(shape), torch.randn(shape))
    angles = torch.rand(1, chunk, head_dim)
    rope = fused_rope((angles.cos(), angles.sin()))
    mask = torch.ones(1, 1, 1, start + chunk, dtype=torch.bool)
    mask[..., 2] = False  # a padded prefix column
    time_term = torch.randn(1, 1, expert.time_mlp_in_time.shape[0])
    x, error = torch.randn(1, chunk, width), torch.randn(1, chunk, width)

    with torch.enable_grad():
        x_in = x.clone().requires_grad_(True)
        stored = (kv[0].clone(), kv[1].clone())
        v = fused_velocity(expert, x_in, time_term, rope, mask, start, stored, False, True)
        expected = torch.autograd.grad(v, x_in, error)[0]
    with torch.no_grad():
        by_hand, pullback = velocity_with_pullback(
            expert, x, time_term, rope, mask, start, kv, True
        )
        product = pullback(error)
    assert torch.allclose(by_hand, v.detach(), atol=1e-5, rtol=1e-4)
    # Relative to the product's own size (the micro network's Jacobian is small).
    assert (product - expected).abs().max() < 1e-4 * expected.abs().max()


def test_the_sampler_guides_by_hand_as_autograd_does(policy, monkeypatch) -> None:
    import pi0_core.fast.sampler as sampler_module

    obs = make_observation()
    previous = policy.infer(obs, make_noise(0))
    free = policy.infer(obs, make_noise(1))
    by_hand = policy.infer(obs, make_noise(1), prefix=previous, delay=3)
    monkeypatch.setattr(sampler_module, "supports_pullback", lambda expert: False)
    with_autograd = policy.infer(obs, make_noise(1), prefix=previous, delay=3)
    assert np.abs(by_hand - with_autograd).max() < 1e-3 * np.abs(free - previous).max()
