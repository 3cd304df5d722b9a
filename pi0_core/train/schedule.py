"""AdamW and its learning-rate schedule: linear warm-up, then cosine decay."""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch


def learning_rate(step: int, peak: float, warmup: int, total: int, min_ratio: float) -> float:
    """The rate for optimiser step `step` (0-based)."""
    if step < warmup:
        return peak * (step + 1) / warmup
    span = max(1, total - warmup)
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
