"""The three computations of a π0 chunk: prefix once, state once, actions once per step."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from pi0_core.fast.geometry import ChunkGeometry
from pi0_core.fast.layers import decoder_layer
from pi0_core.fast.parts import Pi0Parts

KV = tuple[torch.Tensor, torch.Tensor]  # keys, values: (layers, B, kv_heads, P + 1 + chunk, D)


def encode_prefix(
    parts: Pi0Parts,
    input_ids: torch.Tensor,
    pixel_values: torch.Tensor,
    pixel_attention_mask: torch.Tensor,
    geometry: ChunkGeometry,
    kv: KV,
    pack_gqa: bool,
    gelu_by_sigmoid: bool = False,
) -> None:
    """Images and prompt through PaliGemma; each layer's keys/values land at [0, P)."""
    hidden = parts.model.model.embed_prefix(input_ids, pixel_values, pixel_attention_mask)
    last = len(parts.prefix_layers) - 1
    for index, layer in enumerate(parts.prefix_layers):
        # The expert only reads the prefix's keys/values, so the last layer stops there.
        hidden = decoder_layer(
            layer,
            hidden,
            geometry.prefix_rope,
            (kv[0][index], kv[1][index]),
            0,
            geometry.prefix_mask,
            pack_gqa=pack_gqa,
            kv_only=index == last,
            gelu_by_sigmoid=gelu_by_sigmoid,
        )


def encode_state(
    parts: Pi0Parts,
    state: torch.Tensor,
    geometry: ChunkGeometry,
    kv: KV,
    pack_gqa: bool,
    gelu_by_sigmoid: bool = False,
) -> None:
    """The state token through the expert once; its keys/values land at position P."""
    hidden = parts.action_time.state_proj(state)[:, None, :]  # (B, 1, E)
    last = len(parts.expert_layers) - 1
    for index, layer in enumerate(parts.expert_layers):
        hidden = decoder_layer(
            layer,
            hidden,
            geometry.state_rope,
            (kv[0][index], kv[1][index]),
            geometry.prefix_len,
            geometry.state_mask,
            pack_gqa=pack_gqa,
            kv_only=index == last,
            gelu_by_sigmoid=gelu_by_sigmoid,
        )


def action_time_embeds(
    parts: Pi0Parts, noisy_actions: torch.Tensor, time_embeds: torch.Tensor
) -> torch.Tensor:
    """(B, chunk, E) expert inputs of the actions: the stock action/time MLP, minus the state."""
    embed = parts.action_time
    actions = embed.action_in_proj(noisy_actions)
    time = time_embeds[:, None, :].expand_as(actions).to(dtype=actions.dtype)
    merged = torch.cat([actions, time], dim=2)
    return embed.action_time_mlp_out(F.silu(embed.action_time_mlp_in(merged)))


def velocity(
    parts: Pi0Parts,
    noisy_actions: torch.Tensor,
    time_embeds: torch.Tensor,
    state: torch.Tensor | None,
    geometry: ChunkGeometry,
    kv: KV,
    in_place: bool,
    pack_gqa: bool,
    gelu_by_sigmoid: bool = False,
) -> torch.Tensor:
    """(B, chunk, action_dim) predicted velocity at one step.

    With state=None the state's keys/values are read from the buffers (encode_state ran);
    otherwise the state token goes through the expert again, as in stock.
    """
    hidden = action_time_embeds(
        parts, noisy_actions.to(parts.action_out_proj.weight.dtype), time_embeds
    )
    start, rope, mask = geometry.prefix_len + 1, geometry.action_rope, geometry.action_mask
    if state is not None:
        state_embeds = parts.action_time.state_proj(state)[:, None, :]
        hidden = torch.cat([state_embeds, hidden], dim=1)
        start, rope, mask = geometry.prefix_len, geometry.suffix_rope, geometry.suffix_mask
    for index, layer in enumerate(parts.expert_layers):
        layer_kv = (kv[0][index], kv[1][index])
        hidden = decoder_layer(
            layer, hidden, rope, layer_kv, start, mask,
            in_place=in_place, pack_gqa=pack_gqa, gelu_by_sigmoid=gelu_by_sigmoid,
        )  # fmt: skip
    return parts.action_out_proj(parts.expert_norm(hidden[:, -parts.chunk_size :]))
