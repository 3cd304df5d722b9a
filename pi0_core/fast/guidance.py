"""Real-time chunking (Black, Galliker, Levine, arXiv 2506.07339): a chunk inpainted onto the last.

Written in this project's time convention: t = 1 is noise, t = 0 is data,
x_t = t·ε + (1 − t)·a, the network predicts v ≈ ε − a, Euler steps x ← x + dt·v with dt < 0.
The paper's τ is 1 − t and its velocity is −v. Per step:

    Â = x_t − t·v(x_t)                                  one-step estimate of the clean chunk
    e = W ⊙ (Y − Â)                                     weighted gap to the previous chunk Y
    g = (∂Â/∂x_t)ᵀ e   (paper: one backward pass)  or  g = e   (Jacobian-free, as LeRobot's)
    v' = v − min(β, ((1 − t)² + t²) / (t·(1 − t)))·g    (the paper's weight (1−τ)/(τ·r²))
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

# β·|dt| = 1 moves the clean estimate the whole gap in one step (for ∂Â/∂x = I), so with 10
# steps β = 10 is the largest weight that does not overshoot; the paper used β = 5 for 5 steps.
DEFAULT_BETA = 10.0


@dataclass(frozen=True)
class GuidanceConfig:
    """How strongly and by which variant a chunk is pulled toward the previous one."""

    beta: float = DEFAULT_BETA  # clip of the guidance weight
    jacobian: bool = True  # the paper's vector-Jacobian product; False: the Jacobian-free one

    def __post_init__(self) -> None:
        if not self.beta > 0:
            raise ValueError(f"beta must be positive, got {self.beta}")


@dataclass(frozen=True)
class Guidance:
    """One batch's inpainting target, in the model's normalised, padded action space."""

    target: torch.Tensor  # (B, chunk, max_action_dim) previous chunk's actions ahead, 0-padded
    weights: torch.Tensor  # (B, chunk, max_action_dim) soft mask W, 0 on padded dims and rows
    config: GuidanceConfig = GuidanceConfig()


def soft_mask(overlap: int, delay: int, chunk: int) -> np.ndarray:
    """(chunk,) weights W: 1 for the `delay` frozen actions, exponential decay to 0 at `overlap`.

    `overlap` is how many actions of the previous chunk lie ahead (the paper's H − s);
    W_i = c·(e^c − 1)/(e − 1) with c = (overlap − i)/(overlap − delay + 1) for delay ≤ i < overlap.
    """
    if overlap < 0 or delay < 0:
        raise ValueError(f"overlap and delay must be >= 0, got {overlap} and {delay}")
    overlap = min(overlap, chunk)
    delay = min(delay, overlap)
    weights = np.zeros(chunk, np.float32)
    weights[:delay] = 1.0
    index = np.arange(delay, overlap)
    c = (overlap - index) / (overlap - delay + 1)
    weights[delay:overlap] = c * np.expm1(c) / (math.e - 1)
    return weights


def guidance_weight(t: float, beta: float) -> float:
    """min(β, ((1 − t)² + t²) / (t·(1 − t))): unbounded at t = 1 and t = 0, so clipped to β."""
    if t <= 0.0 or t >= 1.0:
        return beta
    return min(beta, ((1.0 - t) ** 2 + t**2) / (t * (1.0 - t)))


def guided_velocity(
    velocity: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    t: float,
    guidance: Guidance,
    with_pullback: Callable[[torch.Tensor], tuple[torch.Tensor, Callable]] | None = None,
) -> torch.Tensor:
    """v' at x_t: the network's velocity corrected toward the guidance target.

    with_pullback: x ↦ (v, e ↦ (∂v/∂x)ᵀ·e) written out by hand (`fast.pullback`); without it
    the paper's variant differentiates `velocity` with autograd.
    """
    config = guidance.config
    if config.jacobian and with_pullback is not None:
        v, pullback = with_pullback(x)
        v = v.to(x.dtype)
        error = guidance.weights * (guidance.target - (x - t * v))
        correction = error - t * pullback(error)  # (∂Â/∂x)ᵀ e with Â = x − t·v
    elif config.jacobian:
        with torch.enable_grad():
            x_in = x.detach().requires_grad_(True)
            v = velocity(x_in).to(x.dtype)
            clean = x_in - t * v
            error = guidance.weights * (guidance.target - clean)
            correction = torch.autograd.grad(clean, x_in, error)[0]
        v = v.detach()
    else:
        v = velocity(x).to(x.dtype)
        correction = guidance.weights * (guidance.target - (x - t * v))
    return v - guidance_weight(t, config.beta) * correction
