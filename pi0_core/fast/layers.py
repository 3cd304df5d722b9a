"""One Gemma decoder layer of π0, run from the model's own submodules.

Same arithmetic as `GemmaDecoderLayer.forward`, minus the cache object, mask building and
keyword plumbing; keys/values go to a flat per-layer buffer laid out [prefix | state | actions].
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from transformers.models.gemma.modeling_gemma import apply_rotary_pos_emb, repeat_kv

from pi0_core.fast.activations import activation_of


def project_qkv(
    attn: nn.Module, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Queries (B, T, H, D) and keys, values (B, Hkv, T, D) of x, rotary positions applied."""
    batch, tokens, _ = x.shape
    shape = (batch, tokens, -1, attn.head_dim)
    queries = attn.q_proj(x).view(shape)
    keys = attn.k_proj(x).view(shape)
    values = attn.v_proj(x).view(shape)
    queries, keys = apply_rotary_pos_emb(queries, keys, cos, sin, unsqueeze_dim=2)
    return queries, keys.transpose(1, 2), values.transpose(1, 2)


def attend(
    queries: torch.Tensor,
    keys: torch.Tensor,
    values: torch.Tensor,
    mask: torch.Tensor | None,
    scale: float,
    pack_gqa: bool,
) -> torch.Tensor:
    """SDPA of queries (B, T, H, D) over keys/values (B, Hkv, L, D); returns (B, T, H*D).

    mask is bool (B, 1, 1 or T, L), True where attention is allowed, or None for no mask.
    """
    batch, tokens, heads, dim = queries.shape
    kv_heads = keys.shape[1]
    group = heads // kv_heads
    if not pack_gqa:
        out = F.scaled_dot_product_attention(
            queries.transpose(1, 2),
            repeat_kv(keys, group),
            repeat_kv(values, group),
            attn_mask=mask,
            scale=scale,
        )
        return out.transpose(1, 2).reshape(batch, tokens, heads * dim)
    # Rows (token, head) of one key/value head become one long query sequence; a free view
    # when there is a single key/value head, as in π0.
    packed = queries.view(batch, tokens, kv_heads, group, dim).permute(0, 2, 1, 3, 4)
    packed = packed.reshape(batch, kv_heads, tokens * group, dim)
    if mask is not None and mask.shape[2] > 1:
        rows = mask[:, :, :, None, :].expand(-1, -1, -1, group, -1)
        mask = rows.reshape(mask.shape[0], 1, -1, mask.shape[-1])
    out = F.scaled_dot_product_attention(packed, keys, values, attn_mask=mask, scale=scale)
    out = out.view(batch, kv_heads, tokens, group, dim).permute(0, 2, 1, 3, 4)
    return out.reshape(batch, tokens, heads * dim)


def mlp_forward(mlp: nn.Module, x: torch.Tensor, gelu_by_sigmoid: bool) -> torch.Tensor:
    """GemmaMLP: down(act(gate(x)) * up(x)), with the tanh GELU through a sigmoid if asked."""
    if not gelu_by_sigmoid:
        return mlp(x)
    activation = activation_of(mlp.act_fn, gelu_by_sigmoid)
    return mlp.down_proj(activation(mlp.gate_proj(x)) * mlp.up_proj(x))


def store_kv(
    kv: tuple[torch.Tensor, torch.Tensor],
    start: int,
    keys: torch.Tensor,
    values: torch.Tensor,
    in_place: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    """A layer's new (B, Hkv, T, D) keys and values after its first `start` cached ones: written
    into the buffers at [start, start + T) (in_place) or concatenated onto them."""
    key_buffer, value_buffer = kv
    end = start + keys.shape[2]
    if in_place:
        key_buffer[:, :, start:end] = keys
        value_buffer[:, :, start:end] = values
        return key_buffer[:, :, :end], value_buffer[:, :, :end]
    keys = torch.cat([key_buffer[:, :, :start], keys], dim=2)
    return keys, torch.cat([value_buffer[:, :, :start], values], dim=2)


def decoder_layer(
    layer: nn.Module,
    hidden: torch.Tensor,
    rope: tuple[torch.Tensor, torch.Tensor],
    kv: tuple[torch.Tensor, torch.Tensor],
    start: int,
    mask: torch.Tensor | None,
    *,
    in_place: bool = True,
    pack_gqa: bool = True,
    kv_only: bool = False,
    gelu_by_sigmoid: bool = False,
) -> torch.Tensor | None:
    """hidden (B, T, E) through one layer, attending to kv[:, :, :start] and itself.

    Its own keys/values are written at [start, start + T) of the layer's buffers (in_place), or
    concatenated onto the first `start` ones. kv_only: stop once they are stored.
    """
    attn = layer.self_attn
    queries, keys, values = project_qkv(attn, layer.input_layernorm(hidden), *rope)
    keys, values = store_kv(kv, start, keys, values, in_place or kv_only)
    if kv_only:
        return None
    out = attend(queries, keys, values, mask, attn.scaling, pack_gqa)
    hidden = hidden + attn.o_proj(out)
    return hidden + mlp_forward(layer.mlp, layer.post_attention_layernorm(hidden), gelu_by_sigmoid)
