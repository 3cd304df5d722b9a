"""`train --freeze`: parts of the network a run leaves as its starting checkpoint has them."""

from __future__ import annotations

import torch

# Part -> the parameter-name prefixes it covers (transformers' PI0 names; LoRA adds a prefix).
PARTS = {
    "vision": ("model.vlm.vision_tower.", "model.vlm.multi_modal_projector."),
    "language": ("model.vlm.language_model.",),
    "expert": ("model.dit.", "action_out_proj.", "embed_action_time."),
}
_LORA_PREFIX = "base_model.model."


def check_freeze(parts: tuple[str, ...]) -> None:
    """A ValueError for an unknown part, a repeated one, or all of them."""
    unknown = [part for part in parts if part not in PARTS]
    if unknown:
        raise ValueError(f"--freeze: unknown part {unknown[0]!r}; choose from {', '.join(PARTS)}")
    if len(set(parts)) != len(parts):
        raise ValueError(f"--freeze names a part twice: {','.join(parts)}")
    if set(parts) == set(PARTS):
        raise ValueError("--freeze names every part: nothing would train")


def part_of(name: str) -> str | None:
    """The part a parameter belongs to, or None (probes, anything outside the three)."""
    name = name.removeprefix(_LORA_PREFIX)
    for part, prefixes in PARTS.items():
        if name.startswith(prefixes):
            return part
    return None


def freeze(model: torch.nn.Module, parts: tuple[str, ...]) -> dict[str, int]:
    """Stop gradients to every weight of `parts` (LoRA adapters inside them too); returns the
    number of weights frozen per part. A part with no weights means another network layout."""
    frozen = dict.fromkeys(parts, 0)
    for name, param in model.named_parameters():
        part = part_of(name)
        if part in frozen:
            param.requires_grad_(False)
            frozen[part] += param.numel()
    empty = [part for part, count in frozen.items() if count == 0]
    if empty:
        raise ValueError(f"--freeze {empty[0]}: this network has no weights of that part")
    return frozen
