"""The fused action expert's velocity with its vector-Jacobian product written out by hand.

Real-time chunking's guidance (the paper's variant) needs (∂v/∂x)ᵀ·e at every denoising step.
Autograd records about 220 nodes per step for the tiny expert and spends more time walking them
than computing: the kernels are small. `velocity_with_pullback` runs the forward pass keeping
what the backward pass reads (a tape per layer), and its pullback runs that backward pass as
plain tensor calls: one GEMM per linear layer, attention by its softmax, no gradients for the
prefix's keys and values (nothing needs them). Same arithmetic as `fused.fused_velocity`, to
float rounding; the tests compare both the velocity and the product with autograd's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from pi0_core.fast.activations import CUBIC, LINEAR
from pi0_core.fast.fused import FusedExpert, FusedLayer
from pi0_core.fast.layers import store_kv

Pullback = Callable[[torch.Tensor], torch.Tensor]


def _rms(hidden: torch.Tensor, weight: torch.Tensor, eps: float):
    """Gemma's RMSNorm in float32, and the inverse root mean square the backward reads."""
    x32 = hidden.float()
    inverse = x32.square().mean(-1, keepdim=True).add_(eps).rsqrt_()
    return (x32 * inverse * weight).type_as(hidden), inverse


def _rms_back(grad: torch.Tensor, hidden: torch.Tensor, inverse: torch.Tensor, weight):
    """dx of y = x·r·w, r = (mean x² + ε)^(−1/2): r·(g·w − x·r²·mean(x·g·w))."""
    x32, scaled = hidden.float(), grad.float() * weight
    mean = (x32 * scaled).mean(-1, keepdim=True).mul_(inverse.square())
    return scaled.sub_(x32 * mean).mul_(inverse).type_as(grad)


def _gelu_tanh(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Gemma's tanh GELU x·σ(u), u = 2√(2/π)(x + 0.044715 x³), and its slope σ(1 + x·u′(1 − σ))."""
    x32 = x.float()
    square = x32 * x32
    sigma = (square * CUBIC).add_(LINEAR).mul_(x32).sigmoid_()
    slope = square.mul_(3.0 * CUBIC).add_(LINEAR).mul_(x32).mul_(1.0 - sigma).add_(1.0).mul_(sigma)
    return (sigma * x32).type_as(x), slope.type_as(x)


@dataclass(frozen=True)
class _Tape:
    """What one decoder layer's backward pass reads from its forward pass."""

    hidden: torch.Tensor  # the layer's input
    inverse: torch.Tensor  # its input norm's 1 / rms
    unrotated: torch.Tensor  # (B, T, H + Hkv, D) queries and keys before the rotary embedding
    queries: torch.Tensor  # (B, Hkv, T·G, D) rotated, grouped per key/value head
    keys: torch.Tensor  # (B, Hkv, L, D) prefix, state and this step's action keys
    values: torch.Tensor
    probs: torch.Tensor  # (B, Hkv, T·G, L) attention weights
    middle: torch.Tensor  # after the attention's residual
    middle_inverse: torch.Tensor
    activated: torch.Tensor  # GELU(gate)
    slope: torch.Tensor  # GELU′(gate)
    up: torch.Tensor


def _grouped(x: torch.Tensor, kv_heads: int) -> torch.Tensor:
    """(B, T, H, D) -> (B, Hkv, T·G, D): the query rows each key/value head serves."""
    batch, tokens, heads, dim = x.shape
    group = heads // kv_heads
    x = x.reshape(batch, tokens, kv_heads, group, dim).permute(0, 2, 1, 3, 4)
    return x.reshape(batch, kv_heads, tokens * group, dim)


def _ungrouped(x: torch.Tensor, tokens: int) -> torch.Tensor:
    """(B, Hkv, T·G, D) -> (B, T, Hkv·G, D), the inverse of `_grouped`."""
    batch, kv_heads, rows, dim = x.shape
    x = x.reshape(batch, kv_heads, tokens, rows // tokens, dim).permute(0, 2, 1, 3, 4)
    return x.reshape(batch, tokens, -1, dim)


def _mask_bias(mask: torch.Tensor | None, tokens: int, group: int, dtype) -> torch.Tensor | None:
    """Bool mask (B, 1, 1 or T, L), True where allowed, as an additive (B, 1, 1 or T·G, L)."""
    if mask is None:
        return None
    if mask.shape[2] > 1:  # per-token rows: one per (token, head of the group)
        mask = mask[:, :, :, None, :].expand(-1, -1, -1, group, -1)
        mask = mask.reshape(mask.shape[0], 1, tokens * group, mask.shape[-1])
    bias = torch.zeros(mask.shape, dtype=dtype, device=mask.device)
    return bias.masked_fill_(~mask, float("-inf"))


def _layer_forward(
    layer: FusedLayer,
    hidden: torch.Tensor,
    rope: tuple[torch.Tensor, torch.Tensor],
    kv: tuple[torch.Tensor, torch.Tensor],
    start: int,
    bias: torch.Tensor | None,
    in_place: bool,
) -> tuple[torch.Tensor, _Tape]:
    batch, tokens, _ = hidden.shape
    heads, kv_heads, dim = layer.heads, layer.kv_heads, layer.head_dim
    normed, inverse = _rms(hidden, layer.input_norm, layer.eps)
    qkv = F.linear(normed, *layer.qkv).view(batch, tokens, heads + 2 * kv_heads, dim)
    unrotated = qkv[:, :, : heads + kv_heads]
    rotated = torch.addcmul(unrotated * rope[0], unrotated.roll(dim // 2, dims=-1), rope[1])
    new_keys = rotated[:, :, heads:].transpose(1, 2)
    new_values = qkv[:, :, heads + kv_heads :].transpose(1, 2)
    keys, values = store_kv(kv, start, new_keys, new_values, in_place)
    queries = _grouped(rotated[:, :, :heads], kv_heads)
    scores = torch.matmul(queries, keys.transpose(-1, -2)).mul_(layer.scaling)
    if bias is not None:
        scores.add_(bias)
    probs = torch.softmax(scores, dim=-1)
    out = _ungrouped(torch.matmul(probs, values), tokens).reshape(batch, tokens, heads * dim)
    middle = hidden + F.linear(out, *layer.o_proj)
    normed, middle_inverse = _rms(middle, layer.post_norm, layer.eps)
    gate, up = F.linear(normed, *layer.gate_up).chunk(2, dim=-1)
    activated, slope = _gelu_tanh(gate)
    out = middle + F.linear(activated * up, *layer.down)
    tape = _Tape(
        hidden, inverse, unrotated, queries, keys, values, probs, middle, middle_inverse,
        activated, slope, up,
    )  # fmt: skip
    return out, tape


def _layer_backward(
    layer: FusedLayer,
    tape: _Tape,
    grad: torch.Tensor,
    rope: tuple[torch.Tensor, torch.Tensor],
    start: int,
) -> torch.Tensor:
    """∂(layer output)/∂(layer input)ᵀ · grad."""
    batch, tokens, _ = grad.shape
    heads, kv_heads, dim = layer.heads, layer.kv_heads, layer.head_dim
    grad_product = torch.matmul(grad, layer.down[0])
    grad_gate = (grad_product * tape.up).mul_(tape.slope)
    grad_up = grad_product.mul_(tape.activated)
    grad_normed = torch.matmul(torch.cat([grad_gate, grad_up], dim=-1), layer.gate_up[0])
    grad = grad + _rms_back(grad_normed, tape.middle, tape.middle_inverse, layer.post_norm)
    grad_out = torch.matmul(grad, layer.o_proj[0]).view(batch, tokens, heads, dim)
    grad_out = _grouped(grad_out, kv_heads)
    probs = tape.probs
    grad_probs = torch.matmul(grad_out, tape.values.transpose(-1, -2))
    grad_probs.sub_((grad_probs * probs).sum(-1, keepdim=True))
    grad_scores = grad_probs.mul_(probs).mul_(layer.scaling)
    end = start + tokens  # only this step's keys and values depend on x
    grad_queries = _ungrouped(torch.matmul(grad_scores, tape.keys), tokens)
    grad_keys = torch.matmul(grad_scores[..., start:end].transpose(-1, -2), tape.queries)
    grad_values = torch.matmul(probs[..., start:end].transpose(-1, -2), grad_out)
    grad_rotated = torch.cat([grad_queries, grad_keys.transpose(1, 2)], dim=2)
    # rotated = u·cos + roll(u, D/2)·sin′, so du = g·cos + roll(g·sin′, −D/2)
    grad_unrotated = (grad_rotated * rope[1]).roll(-(dim // 2), -1).add_(grad_rotated * rope[0])
    grad_qkv = torch.cat([grad_unrotated, grad_values.transpose(1, 2)], dim=2)
    grad_normed = torch.matmul(grad_qkv.reshape(batch, tokens, -1), layer.qkv[0])
    return grad + _rms_back(grad_normed, tape.hidden, tape.inverse, layer.input_norm)


def supports_pullback(expert: FusedExpert) -> bool:
    """Whether every layer's activation is one `_gelu_tanh` differentiates (π0's Gemma's is)."""
    return all(layer.gelu_tanh for layer in expert.layers)


def velocity_with_pullback(
    expert: FusedExpert,
    noisy_actions: torch.Tensor,
    time_term: torch.Tensor,
    rope: tuple[torch.Tensor, torch.Tensor],
    mask: torch.Tensor | None,
    start: int,
    kv: tuple[torch.Tensor, torch.Tensor],
    in_place: bool,
) -> tuple[torch.Tensor, Pullback]:
    """`fused_velocity`'s v and a function e ↦ (∂v/∂x)ᵀ·e, valid until kv is written again."""
    dtype = expert.action_in[0].dtype
    tokens = noisy_actions.shape[1]
    first = expert.layers[0]
    bias = _mask_bias(mask, tokens, first.heads // first.kv_heads, dtype)
    actions = F.linear(noisy_actions.to(dtype), *expert.action_in)
    mixed = F.linear(actions, *expert.time_mlp_in_actions) + time_term
    gate = torch.sigmoid(mixed)
    hidden = F.linear(mixed * gate, *expert.time_mlp_out)
    tapes = []
    for index, layer in enumerate(expert.layers):
        layer_kv = (kv[0][index], kv[1][index])
        hidden, tape = _layer_forward(layer, hidden, rope, layer_kv, start, bias, in_place)
        tapes.append(tape)
    normed, inverse = _rms(hidden, expert.final_norm, expert.final_eps)
    velocity = F.linear(normed, *expert.action_out)

    def pullback(error: torch.Tensor) -> torch.Tensor:
        grad = torch.matmul(error.to(dtype), expert.action_out[0])
        grad = _rms_back(grad, hidden, inverse, expert.final_norm)
        for layer, tape in zip(reversed(expert.layers), reversed(tapes), strict=True):
            grad = _layer_backward(layer, tape, grad, rope, start)
        grad = torch.matmul(grad, expert.time_mlp_out[0])
        grad = grad * gate * (1.0 + mixed * (1.0 - gate))  # SiLU′
        grad = torch.matmul(grad, expert.time_mlp_in_actions[0])
        return torch.matmul(grad, expert.action_in[0]).to(error.dtype)

    return velocity, pullback
