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
import torch.nn.functional as F

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


def repainted_tokens(shown: torch.Tensor, pixels: torch.Tensor, patch: int) -> torch.Tensor:
    """(B, cameras * tokens) mask of the image tokens whose patch the teacher's view repainted,
    from the two views' (B, cameras, 3, H, W) pixels (`--teach-focus`)."""
    changed = (shown - pixels).abs().amax(dim=2)  # (B, cameras, H, W)
    return (F.max_pool2d(changed, patch) > 0).flatten(1)


def image_token_gap(
    student: list[torch.Tensor],
    teacher: list[torch.Tensor],
    rows: torch.Tensor,
    image_tokens: int,
    attention_mask: torch.Tensor,
    focus: torch.Tensor | None = None,
) -> torch.Tensor:
    """Mean over layers and projections of the squared gap at the visible image tokens of
    `rows` (a (B,) mask of the student's batch; the teacher's tensors hold those rows alone),
    each relative to the teacher's mean square, so every layer counts alike.

    focus: (B, image_tokens), the tokens whose mean gap is added again on its own: the few
    that show the new object (a cube far off is one token of a camera's 36) count as much as
    all the others together."""
    visible = attention_mask[rows, :image_tokens].float()  # (R, image_tokens)
    weights = [visible]
    if focus is not None:
        weights.append(visible * focus[rows].float())
    gaps = []
    for mine, target in zip(student, teacher, strict=True):
        mine, target = mine[rows, :image_tokens].float(), target[:, :image_tokens].float()
        error = (mine - target).pow(2).mean(-1)  # (R, image_tokens)
        scale = target.pow(2).mean().clamp(min=1e-6)
        for weight in weights:
            gaps.append((error * weight).sum() / weight.sum().clamp(min=1.0) / scale)
    return torch.stack(gaps).sum() / len(student)
