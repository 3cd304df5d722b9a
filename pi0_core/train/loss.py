"""The flow-matching loss of π0: t=1 is noise, t=0 is data, the network predicts noise - actions."""

from __future__ import annotations

import torch


def sample_time(batch_size: int, config: object, generator: torch.Generator) -> torch.Tensor:
    """t ~ Beta(alpha, beta) * scale + offset, drawn from `generator` (resumed runs repeat it).

    Only beta == 1 (π0's choice) uses the generator; other values draw from torch's global RNG.
    """
    alpha, beta = config.time_sampling_beta_alpha, config.time_sampling_beta_beta
    uniform = torch.rand(batch_size, generator=generator)
    if beta == 1.0:
        draw = uniform ** (1.0 / alpha)  # inverse CDF of Beta(alpha, 1): F(x) = x ** alpha
    else:
        gamma_a = torch._standard_gamma(torch.full((batch_size,), float(alpha)))
        gamma_b = torch._standard_gamma(torch.full((batch_size,), float(beta)))
        draw = gamma_a / (gamma_a + gamma_b)
    return draw * config.time_sampling_scale + config.time_sampling_offset


def noisy_actions(
    actions: torch.Tensor, config: object, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(x_t, t, the velocity target noise - actions) for a batch of clean `actions`, noise and
    time drawn from `generator` in that order."""
    noise = torch.randn(actions.shape, generator=generator).to(actions.device, actions.dtype)
    time = sample_time(actions.shape[0], config, generator).to(actions.device)
    t = time[:, None, None]
    return t * noise + (1 - t) * actions, time, noise - actions


def velocity_error(output: torch.Tensor, target: torch.Tensor, action_dim: int) -> torch.Tensor:
    """(B, chunk) squared velocity error, mean over the real action dims."""
    return (output.float() - target.float())[..., :action_dim].pow(2).mean(dim=-1)


def masked_mean(error: torch.Tensor, action_mask: torch.Tensor) -> torch.Tensor:
    """Mean of (B, chunk) `error` over the steps inside the episode."""
    mask = action_mask.float()
    return (error * mask).sum() / mask.sum().clamp(min=1.0)


def flow_matching_loss(
    model: torch.nn.Module,
    inputs: dict[str, torch.Tensor],
    actions: torch.Tensor,
    action_mask: torch.Tensor,
    action_dim: int,
    config: object,
    generator: torch.Generator,
) -> torch.Tensor:
    """Mean squared velocity error over real action dims and steps inside the episode.

    actions: (B, chunk, max_dim) normalised and padded; action_mask: (B, chunk) bool.
    """
    x_t, time, target = noisy_actions(actions, config, generator)
    output = model(noise=x_t, timestep=time, **inputs)
    return masked_mean(velocity_error(output.logits, target, action_dim), action_mask)
