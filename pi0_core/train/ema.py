"""Exponential moving average of the trained weights (what checkpoints hold)."""

from __future__ import annotations

import torch


class EMA:
    """A float32 shadow of every trainable parameter, updated after each optimiser step."""

    def __init__(self, model: torch.nn.Module, decay: float, warmup: bool = True) -> None:
        self.decay = decay
        # From scratch the first weights are noise, so the average follows the current ones
        # closely at first; a checkpoint's weights are already a good average (no warm-up).
        self.warmup = warmup
        self.shadow = {
            name: param.detach().float().clone()
            for name, param in model.named_parameters()
            if param.requires_grad
        }

    @torch.no_grad()
    def update(self, model: torch.nn.Module, step: int) -> None:
        """Blend in the current weights; with warm-up, early on the average follows them more
        closely."""
        decay = min(self.decay, (1 + step) / (10 + step)) if self.warmup else self.decay
        for name, param in model.named_parameters():
            if name in self.shadow:
                self.shadow[name].lerp_(param.detach().float(), 1 - decay)

    @torch.no_grad()
    def copy_to(self, model: torch.nn.Module) -> None:
        """Overwrite the model's trainable weights with the average."""
        for name, param in model.named_parameters():
            if name in self.shadow:
                param.copy_(self.shadow[name].to(param.dtype))

    def state_dict(self) -> dict[str, torch.Tensor]:
        """The shadow weights, keyed by parameter name."""
        return dict(self.shadow)

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Restore shadow weights saved by `state_dict`."""
        missing = set(self.shadow) - set(state)
        if missing:
            raise ValueError(f"EMA state lacks {len(missing)} weights, e.g. {sorted(missing)[0]}")
        for name in self.shadow:
            self.shadow[name].copy_(state[name])
