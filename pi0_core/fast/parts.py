"""The submodules of a transformers `PI0ForConditionalGeneration` that the fast path calls."""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn
from transformers.models.gemma.modeling_gemma import GemmaDecoderLayer


def weights_stamp(parameters: list[nn.Parameter]) -> tuple:
    """Changes whenever a weight is replaced, moved, cast or modified in place."""
    return tuple((p.data_ptr(), p._version, p.dtype, p.device) for p in parameters)


class UnsupportedModelError(ValueError):
    """The model is not laid out the way the fast path expects (it then runs stock)."""


@dataclass(frozen=True)
class Pi0Parts:
    """Handles on π0's submodules (no copies: weights stay the model's)."""

    model: nn.Module  # PI0ForConditionalGeneration
    prefix_layers: tuple[nn.Module, ...]  # PaliGemma's Gemma decoder layers
    expert_layers: tuple[nn.Module, ...]  # the action expert's Gemma decoder layers
    prefix_rotary: nn.Module
    expert_rotary: nn.Module
    expert_norm: nn.Module
    action_time: nn.Module  # PI0ActionTimeEmbedding: state/action projections, time MLP
    action_out_proj: nn.Module
    chunk_size: int
    kv_heads: int
    head_dim: int

    def step_parameters(self) -> list[nn.Parameter]:
        """The weights a denoising step reads (expert, action/time MLP, action head)."""
        modules = [*self.expert_layers, self.action_time, self.expert_norm, self.action_out_proj]
        return [parameter for module in modules for parameter in module.parameters()]

    @classmethod
    def of(cls, model: nn.Module) -> Pi0Parts:
        """Collect the parts, or raise UnsupportedModelError saying what does not fit."""
        try:
            language_model = model.model.vlm.language_model
            expert = model.model.dit
            prefix_layers = tuple(language_model.layers)
            expert_layers = tuple(expert.layers)
        except AttributeError as exc:
            raise UnsupportedModelError(f"not a transformers PI0 model: {exc}") from exc
        if len(prefix_layers) != len(expert_layers):
            raise UnsupportedModelError("prefix and expert have different numbers of layers")
        for layer in prefix_layers + expert_layers:
            if type(layer) is not GemmaDecoderLayer:
                raise UnsupportedModelError(f"unsupported decoder layer {type(layer).__name__}")
        shapes = {
            (layer.self_attn.config.num_key_value_heads, layer.self_attn.head_dim)
            for layer in prefix_layers + expert_layers
        }
        if len(shapes) != 1:
            raise UnsupportedModelError(f"prefix and expert attention differ: {sorted(shapes)}")
        ((kv_heads, head_dim),) = shapes
        return cls(
            model=model,
            prefix_layers=prefix_layers,
            expert_layers=expert_layers,
            prefix_rotary=language_model.rotary_emb,
            expert_rotary=expert.rotary_emb,
            expert_norm=expert.norm,
            action_time=model.embed_action_time,
            action_out_proj=model.action_out_proj,
            chunk_size=model.config.chunk_size,
            kv_heads=kv_heads,
            head_dim=head_dim,
        )
