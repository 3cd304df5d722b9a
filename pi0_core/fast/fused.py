"""The action expert as plain tensors and functional calls: fewer, larger kernels per step.

Same arithmetic as the stock modules: one GEMM for q/k/v and one for gate/up, rotary applied to
queries and keys together, RMSNorm in one kernel, the time half of the action/time MLP computed
once per chunk. The fused weights are copies, rebuilt whenever a model weight changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from transformers.activations import GELUTanh

from pi0_core.fast.activations import activation_of
from pi0_core.fast.layers import attend, store_kv
from pi0_core.fast.parts import weights_stamp

Linear = tuple[torch.Tensor, torch.Tensor | None]  # weight, bias


def rms_norm(hidden: torch.Tensor, weight: torch.Tensor, eps: float) -> torch.Tensor:
    """Gemma's RMSNorm in float32 with the stored (1 + w) weight, back in hidden's dtype."""
    return F.rms_norm(hidden.float(), weight.shape, weight, eps).type_as(hidden)


def _norm_weight(norm: nn.Module) -> torch.Tensor:
    return 1.0 + norm.weight.detach().float()  # Gemma scales by (1 + w) in float32


def _linear(module: nn.Linear) -> Linear:
    bias = None if module.bias is None else module.bias.detach()
    return module.weight.detach(), bias


def _stacked(modules: list[nn.Linear]) -> Linear:
    """One weight (and bias) whose output is the outputs of `modules` side by side."""
    weight = torch.cat([m.weight.detach() for m in modules])
    if modules[0].bias is None:
        return weight, None
    return weight, torch.cat([m.bias.detach() for m in modules])


@dataclass(frozen=True)
class FusedLayer:
    """One Gemma decoder layer's weights, fused where the math allows."""

    input_norm: torch.Tensor  # (E,) float32, 1 + w
    post_norm: torch.Tensor  # (E,) float32, 1 + w
    eps: float
    qkv: Linear  # ((H + 2 Hkv) D, E)
    o_proj: Linear
    gate_up: Linear  # (2 I, E)
    down: Linear
    activation: Callable[[torch.Tensor], torch.Tensor]
    gelu_tanh: bool  # the activation is Gemma's tanh GELU (the pullback knows its slope)
    heads: int
    kv_heads: int
    head_dim: int
    scaling: float

    @classmethod
    def of(cls, layer: nn.Module, gelu_by_sigmoid: bool) -> FusedLayer:
        """Fused copies of a GemmaDecoderLayer's weights."""
        attn, mlp = layer.self_attn, layer.mlp
        return cls(
            input_norm=_norm_weight(layer.input_layernorm),
            post_norm=_norm_weight(layer.post_attention_layernorm),
            eps=layer.input_layernorm.eps,
            qkv=_stacked([attn.q_proj, attn.k_proj, attn.v_proj]),
            o_proj=_linear(attn.o_proj),
            gate_up=_stacked([mlp.gate_proj, mlp.up_proj]),
            down=_linear(mlp.down_proj),
            activation=activation_of(mlp.act_fn, gelu_by_sigmoid),
            gelu_tanh=isinstance(mlp.act_fn, GELUTanh),
            heads=attn.config.num_attention_heads,
            kv_heads=attn.config.num_key_value_heads,
            head_dim=attn.head_dim,
            scaling=attn.scaling,
        )


@dataclass(frozen=True)
class FusedExpert:
    """The expert's layers and the action heads around them, as tensors."""

    layers: tuple[FusedLayer, ...]
    action_in: Linear  # noisy action -> width E
    time_mlp_in_actions: Linear  # the action half of action_time_mlp_in (with its bias)
    time_mlp_in_time: torch.Tensor  # the time half, (E, E)
    time_mlp_out: Linear
    final_norm: torch.Tensor  # (E,) float32, 1 + w
    final_eps: float
    action_out: Linear

    @classmethod
    def of(cls, parts, gelu_by_sigmoid: bool) -> FusedExpert:  # parts: Pi0Parts
        """Fused copies of the expert and action heads of `parts`."""
        embed = parts.action_time
        width = embed.action_in_proj.out_features
        mlp_in = embed.action_time_mlp_in.weight.detach()
        bias = embed.action_time_mlp_in.bias
        return cls(
            layers=tuple(FusedLayer.of(layer, gelu_by_sigmoid) for layer in parts.expert_layers),
            action_in=_linear(embed.action_in_proj),
            time_mlp_in_actions=(
                mlp_in[:, :width].contiguous(),
                None if bias is None else bias.detach(),
            ),
            time_mlp_in_time=mlp_in[:, width:].contiguous(),
            time_mlp_out=_linear(embed.action_time_mlp_out),
            final_norm=_norm_weight(parts.expert_norm),
            final_eps=parts.expert_norm.eps,
            action_out=_linear(parts.action_out_proj),
        )

    def time_terms(self, time_table: torch.Tensor) -> torch.Tensor:
        """(steps, B, 1, E): the time half of action_time_mlp_in for every step."""
        weight = self.time_mlp_in_time
        return F.linear(time_table.to(weight.dtype), weight)[:, :, None, :]


class FusedWeights:
    """Builds FusedExpert copies and rebuilds them when a weight of the model changes."""

    def __init__(self, parts, gelu_by_sigmoid: bool):  # parts: Pi0Parts
        self._parts = parts
        self._gelu_by_sigmoid = gelu_by_sigmoid
        self._parameters = parts.step_parameters()
        self._stamp: tuple | None = None
        self._expert: FusedExpert | None = None

    def current(self) -> FusedExpert:
        """The fused copies, rebuilt if any weight was replaced or changed in place."""
        stamp = weights_stamp(self._parameters)
        if stamp != self._stamp or self._expert is None:
            with torch.no_grad():
                self._expert = FusedExpert.of(self._parts, self._gelu_by_sigmoid)
            self._stamp = stamp
        return self._expert


def fused_decoder_layer(
    layer: FusedLayer,
    hidden: torch.Tensor,
    rope: tuple[torch.Tensor, torch.Tensor],
    kv: tuple[torch.Tensor, torch.Tensor],
    start: int,
    mask: torch.Tensor | None,
    *,
    in_place: bool = True,
    pack_gqa: bool = True,
) -> torch.Tensor:
    """`layers.decoder_layer` with fused kernels; rope = (cos, sin with its first half negated)."""
    batch, tokens, _ = hidden.shape
    heads, kv_heads = layer.heads, layer.kv_heads
    qkv = F.linear(rms_norm(hidden, layer.input_norm, layer.eps), *layer.qkv)
    qkv = qkv.view(batch, tokens, heads + 2 * kv_heads, layer.head_dim)
    rotated = qkv[:, :, : heads + kv_heads]  # queries and keys, rotated in one pass
    half = layer.head_dim // 2
    rotated = torch.addcmul(rotated * rope[0], rotated.roll(half, dims=-1), rope[1])
    keys = rotated[:, :, heads:].transpose(1, 2)
    values = qkv[:, :, heads + kv_heads :].transpose(1, 2)
    keys, values = store_kv(kv, start, keys, values, in_place)
    out = attend(rotated[:, :, :heads], keys, values, mask, layer.scaling, pack_gqa)
    hidden = hidden + F.linear(out, *layer.o_proj)
    gate_up = F.linear(rms_norm(hidden, layer.post_norm, layer.eps), *layer.gate_up)
    gate, up = gate_up.chunk(2, dim=-1)
    return hidden + F.linear(layer.activation(gate) * up, *layer.down)


def fused_rope(rope: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """(cos, sin) (B, T, D) -> broadcastable over heads, sin's first half negated.

    rotate_half(x) * sin == roll(x, D/2) * signed_sin exactly (negation is exact).
    """
    cos, sin = rope
    half = sin.shape[-1] // 2
    signed = torch.cat([-sin[..., :half], sin[..., half:]], dim=-1)
    return cos.unsqueeze(2), signed.unsqueeze(2)


def fused_velocity(
    expert: FusedExpert,
    noisy_actions: torch.Tensor,
    time_term: torch.Tensor,
    rope: tuple[torch.Tensor, torch.Tensor],
    mask: torch.Tensor | None,
    start: int,
    kv: tuple[torch.Tensor, torch.Tensor],
    in_place: bool,
    pack_gqa: bool,
) -> torch.Tensor:
    """(B, chunk, action_dim) velocity of the action tokens (state keys/values in kv)."""
    dtype = expert.action_in[0].dtype
    actions = F.linear(noisy_actions.to(dtype), *expert.action_in)
    hidden = F.linear(actions, *expert.time_mlp_in_actions) + time_term
    hidden = F.linear(F.silu(hidden), *expert.time_mlp_out)
    for index, layer in enumerate(expert.layers):
        hidden = fused_decoder_layer(
            layer,
            hidden,
            rope,
            (kv[0][index], kv[1][index]),
            start,
            mask,
            in_place=in_place,
            pack_gqa=pack_gqa,
        )
    normed = rms_norm(hidden, expert.final_norm, expert.final_eps)
    return F.linear(normed, *expert.action_out)
