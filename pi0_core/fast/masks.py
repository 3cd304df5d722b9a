"""Attention masks and position ids of one π0 chunk, built once instead of once per step.

Token layout of the keys/values: [prefix (P) | state (1) | actions (chunk)].
π0's blocks: the prefix attends to the prefix, the state to prefix + itself, the actions to
everything; padded prefix tokens are never attended to.
"""

from __future__ import annotations

import torch


def prefix_position_ids(
    attention_mask: torch.Tensor | None, prefix_len: int, device: torch.device
) -> torch.Tensor:
    """Positions of the prefix tokens, exactly as stock: (B, P), or (1, P) without a mask."""
    if attention_mask is None:
        # PaliGemma numbers its tokens from 1 when it is given no positions.
        return torch.arange(prefix_len, device=device)[None, :] + 1
    return attention_mask.long().cumsum(-1) - 1


def suffix_position_ids(
    attention_mask: torch.Tensor | None, prefix_len: int, suffix_len: int, device: torch.device
) -> torch.Tensor:
    """Positions of state + action tokens as stock gives them to the expert: (B|1, 1 + chunk)."""
    if attention_mask is None:
        # The expert then counts from the cache length (so the state shares the last prefix slot).
        return torch.arange(suffix_len, device=device)[None, :] + prefix_len
    valid = attention_mask.long().sum(-1, keepdim=True)  # (B, 1): cumsum over [mask, ones] - 1
    return valid + torch.arange(suffix_len, device=device)[None, :]


def key_padding_mask(
    attention_mask: torch.Tensor | None, batch: int, total_len: int, device: torch.device
) -> torch.Tensor:
    """(B, 1, 1, P + 1 + chunk) bool: which keys may be attended at all (padding is False).

    Without an attention mask nothing is padded and B may be 1 (it broadcasts)."""
    keys = torch.ones(batch, 1, 1, total_len, dtype=torch.bool, device=device)
    if attention_mask is not None:
        keys[:, 0, 0, : attention_mask.shape[1]] = attention_mask.bool()
    return keys


def is_all_true(mask: torch.Tensor) -> bool:
    """Whether a mask lets everything through (one host sync)."""
    return bool(mask.all())


def columns_in_use(attention_mask: torch.Tensor | None) -> torch.Tensor | None:
    """(P,) bool of prefix columns valid in some row, or None when none can be left out."""
    if attention_mask is None:
        return None
    keep = attention_mask.bool().any(0)
    return None if is_all_true(keep) else keep


def suffix_row_mask(keys: torch.Tensor, prefix_len: int) -> torch.Tensor:
    """(B, 1, 1 + chunk, L) bool for state + actions together: the state row skips the actions."""
    batch, _, _, total_len = keys.shape
    rows = keys.expand(batch, 1, total_len - prefix_len, total_len).clone()
    rows[:, :, 0, prefix_len + 1 :] = False
    return rows
