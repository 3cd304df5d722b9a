"""`train --teach-features W`: match what the action expert reads of the image tokens.

The action expert sees the prefix (images, then the prompt) only through the language model's
keys and values at every layer. With `--teach-as`, the velocity gap gives the student one
number per sample of where the checkpoint would go; the keys and values of the image tokens
give it hundreds: the student, shown the new object, should leave the expert the same keys and
values the checkpoint leaves it when shown the known one. Image tokens come first in the
prefix, so their positions are the same in both views whatever the prompts' lengths; they
attend to the prompt too, so the new word is matched through them.
"""

from __future__ import annotations

import torch

PROJECTIONS = ("k_proj", "v_proj")  # what the expert attends to, before the rotary embedding


class PrefixCapture:
    """Keeps the language model's key and value projections of each forward while `on`."""

    def __init__(self, network: torch.nn.Module) -> None:
        self.on = False
        self.outputs: list[torch.Tensor] = []  # per layer and projection: (B, prefix, width)
        language_model = network.get_submodule("model.vlm.language_model")
        for layer in language_model.layers:
            for name in PROJECTIONS:
                getattr(layer.self_attn, name).register_forward_hook(self._keep)

    def _keep(self, module: torch.nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        if self.on:
            self.outputs.append(output)

    def take(self) -> list[torch.Tensor]:
        """What the last forward captured (and forget it)."""
        outputs, self.outputs = self.outputs, []
        return outputs


def image_token_gap(
    student: list[torch.Tensor],
    teacher: list[torch.Tensor],
    rows: torch.Tensor,
    image_tokens: int,
    attention_mask: torch.Tensor,
) -> torch.Tensor:
    """Mean over layers and projections of the squared gap at the visible image tokens of
    `rows` (a (B,) mask of the student's batch; the teacher's tensors hold those rows alone),
    each relative to the teacher's mean square, so every layer counts alike."""
    visible = attention_mask[rows, :image_tokens, None].float()  # (R, image_tokens, 1)
    gaps = []
    for mine, target in zip(student, teacher, strict=True):
        mine, target = mine[rows, :image_tokens].float(), target[:, :image_tokens].float()
        error = ((mine - target).pow(2) * visible).sum() / (visible.sum() * mine.shape[-1])
        gaps.append(error / target.pow(2).mean().clamp(min=1e-6))
    return torch.stack(gaps).mean()
