"""Everything about one chunk's token layout that does not change between denoising steps."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from pi0_core.fast import masks
from pi0_core.fast.parts import Pi0Parts

Rope = tuple[torch.Tensor, torch.Tensor]  # cos, sin: (B or 1, T, head_dim)


@dataclass(frozen=True)
class ChunkGeometry:
    """Rotary tables and masks of prefix, state and actions for one chunk."""

    prefix_len: int
    prefix_rope: Rope
    prefix_mask: torch.Tensor | None  # (B, 1, 1, P)
    state_rope: Rope
    state_mask: torch.Tensor | None  # (B, 1, 1, P + 1)
    action_rope: Rope
    action_mask: torch.Tensor | None  # (B, 1, 1, P + 1 + chunk)
    suffix_rope: Rope  # state + actions together (state not cached)
    suffix_mask: torch.Tensor  # (B, 1, 1 + chunk, P + 1 + chunk): the state row skips actions


def build_geometry(
    parts: Pi0Parts,
    attention_mask: torch.Tensor | None,
    prefix_len: int,
    like: torch.Tensor,
    drop_full_mask: bool,
    keep: torch.Tensor | None = None,
) -> ChunkGeometry:
    """Positions, rotary tables and masks as stock computes them, built once.

    keep: (P,) bool, the prefix columns actually run (padding in every row may be left out:
    nothing ever attends to it); positions stay those of the full prompt.
    """
    device, suffix_len = like.device, parts.chunk_size + 1
    prefix_positions = masks.prefix_position_ids(attention_mask, prefix_len, device)
    suffix_positions = masks.suffix_position_ids(attention_mask, prefix_len, suffix_len, device)
    if keep is not None and attention_mask is not None:
        attention_mask, prefix_positions = attention_mask[:, keep], prefix_positions[:, keep]
        prefix_len = attention_mask.shape[1]
    batch = 1 if attention_mask is None else attention_mask.shape[0]
    prefix_rope = parts.prefix_rotary(like, prefix_positions)
    suffix_rope = parts.expert_rotary(like, suffix_positions)
    keys = masks.key_padding_mask(attention_mask, batch, prefix_len + suffix_len, device)
    suffix_mask = masks.suffix_row_mask(keys, prefix_len)
    if drop_full_mask and (attention_mask is None or masks.is_all_true(attention_mask)):
        keys = None
    return ChunkGeometry(
        prefix_len=prefix_len,
        prefix_rope=prefix_rope,
        prefix_mask=None if keys is None else keys[..., :prefix_len],
        state_rope=(suffix_rope[0][:, :1], suffix_rope[1][:, :1]),
        state_mask=None if keys is None else keys[..., : prefix_len + 1],
        action_rope=(suffix_rope[0][:, 1:], suffix_rope[1][:, 1:]),
        action_mask=keys,
        suffix_rope=suffix_rope,
        suffix_mask=suffix_mask,
    )
