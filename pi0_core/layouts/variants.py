"""openpi's and LeRobot's network variant names -> this project's presets."""

from __future__ import annotations

from dataclasses import replace

from transformers import PI0Config

from pi0_core.model import build_config
from pi0_core.presets import ModelPreset, get_preset

# (paligemma_variant, action_expert_variant) -> preset name. π0 is PaliGemma 3B + Gemma 300M.
VARIANTS: dict[tuple[str, str], str] = {("gemma_2b", "gemma_300m"): "pi0"}


def preset_for(paligemma: str, expert: str) -> ModelPreset:
    """The preset of a variant pair; an unknown pair lists the known ones."""
    name = VARIANTS.get((paligemma, expert))
    if name is None:
        known = ", ".join(f"{a} + {b}" for a, b in VARIANTS)
        raise ValueError(f"unsupported network variants {paligemma} + {expert}; known: {known}")
    return get_preset(name)


def foreign_config(
    preset: ModelPreset, vocab_size: int, chunk_size: int, max_state_dim: int, max_action_dim: int
) -> PI0Config:
    """A PI0Config of the preset's sizes with a checkpoint's horizon and padded widths."""
    if max_state_dim != max_action_dim:
        raise ValueError(
            f"max_state_dim {max_state_dim} != max_action_dim {max_action_dim}: "
            "transformers' π0 pads both to one width"
        )
    config = build_config(
        replace(preset, chunk_size=chunk_size, max_dim=max_action_dim), vocab_size
    )
    return config
