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
    batch_size = actions.shape[0]
    noise = torch.randn(actions.shape, generator=generator).to(actions.device, actions.dtype)
    time = sample_time(batch_size, config, generator).to(actions.device)
    t = time[:, None, None]
    noisy_actions = t * noise + (1 - t) * actions  # x_t
    output = model(noise=noisy_actions, timestep=time, **inputs)
    target = noise - actions
    error = (output.logits.float() - target.float())[..., :action_dim].pow(2).mean(dim=-1)
    mask = action_mask.float()
    return (error * mask).sum() / mask.sum().clamp(min=1.0)
