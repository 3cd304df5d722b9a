"""AdamW and its learning-rate schedule: linear warm-up, then cosine decay, sized to the run."""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch

WARMUP_FRACTION = 0.05  # of the run's steps, when --warmup-steps is not given
MAX_WARMUP = 500  # a long run warms up over at most this many steps
EMA_FRACTION = 0.1  # the EMA's horizon (1 / (1 - decay)) is at most this share of the run
MAX_EMA_DECAY = 0.999  # a long run's EMA: a horizon of 1000 steps
MIN_EMA_DECAY = 0.9  # a very short run still averages over 10 steps


def warmup_for(steps: int) -> int:
    """Warm-up steps for a run of `steps`: a small share of it, at most MAX_WARMUP."""
    return max(1, min(MAX_WARMUP, round(WARMUP_FRACTION * steps)))


def ema_decay_for(steps: int) -> float:
    """EMA decay for a run of `steps`: its horizon a tenth of the run, within the limits."""
    return min(MAX_EMA_DECAY, max(MIN_EMA_DECAY, 1 - 1 / (EMA_FRACTION * steps)))


def learning_rate(step: int, peak: float, warmup: int, total: int, min_ratio: float) -> float:
    """The rate for optimiser step `step` (0-based); the last step is at the floor."""
    if step < warmup:
        return peak * (step + 1) / warmup
    span = max(1, total - 1 - warmup)
    progress = min(1.0, (step - warmup) / span)
    cosine = 0.5 * (1 + math.cos(math.pi * progress))
    return peak * (min_ratio + (1 - min_ratio) * cosine)


def make_optimizer(
    named_params: Iterable[tuple[str, torch.nn.Parameter]], lr: float, weight_decay: float
) -> torch.optim.AdamW:
    """AdamW; biases, norms and embeddings get no weight decay (the usual transformer recipe)."""
    decay, no_decay = [], []
    for name, param in named_params:
        if not param.requires_grad:
            continue
        plain = param.ndim < 2 or "norm" in name or "embed" in name
        (no_decay if plain else decay).append(param)
    groups = [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.95), eps=1e-8)


def set_learning_rate(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Apply `lr` to every parameter group."""
    for group in optimizer.param_groups:
        group["lr"] = lr
