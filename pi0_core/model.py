"""Build transformers' PI0 network from a preset (the network itself is not written here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pi0_core.presets import ModelPreset, TransformerSize

if TYPE_CHECKING:
    from transformers import PI0Config, PI0ForConditionalGeneration


def _gemma(size: TransformerSize, vocab_size: int) -> dict:
    return {
        "model_type": "gemma",
        "hidden_size": size.hidden_size,
        "num_hidden_layers": size.num_layers,
        "intermediate_size": size.mlp_size,
        "num_attention_heads": size.num_heads,
        "num_key_value_heads": size.num_kv_heads,
        "head_dim": size.per_head,
        "vocab_size": vocab_size,
    }


def build_config(preset: ModelPreset, vocab_size: int) -> PI0Config:
    """A PI0Config of the preset's sizes; the image token id sits just past the vocabulary."""
    from transformers import PI0Config

    vision = preset.vision
    vlm = {
        "model_type": "paligemma",
        "text_config": _gemma(preset.language, vocab_size),
        "vision_config": {
            "model_type": "siglip_vision_model",
            "hidden_size": vision.hidden_size,
            "intermediate_size": vision.mlp_size,
            "num_hidden_layers": vision.num_layers,
            "num_attention_heads": vision.num_heads,
            "patch_size": preset.patch_size,
            "image_size": preset.image_size,
            "vision_use_head": False,
        },
        "projection_dim": preset.language.hidden_size,
        "image_token_id": vocab_size,
        "vocab_size": vocab_size,
    }
    return PI0Config(
        vlm_config=vlm,
        dit_config=_gemma(preset.expert, vocab_size),
        chunk_size=preset.chunk_size,
        max_state_dim=preset.max_dim,
        max_action_dim=preset.max_dim,
        num_inference_steps=preset.num_inference_steps,
    )


def build_model(preset: ModelPreset, vocab_size: int, seed: int = 0) -> PI0ForConditionalGeneration:
    """A freshly initialised network of the preset's sizes, in float32."""
    import torch
    from transformers import PI0ForConditionalGeneration

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = PI0ForConditionalGeneration(build_config(preset, vocab_size))
    return model.float()


def image_token_id(model: PI0ForConditionalGeneration) -> int:
    """The placeholder id that marks where image features go in the prompt."""
    return int(model.config.vlm_config.image_token_id)


def tokens_per_image(model: PI0ForConditionalGeneration) -> int:
    """Vision tokens per camera: (image side / patch side) squared."""
    vision = model.config.vlm_config.vision_config
    return (vision.image_size // vision.patch_size) ** 2


def count_parameters(model: PI0ForConditionalGeneration) -> int:
    """All parameters, including the expert's unused token embedding."""
    return sum(p.numel() for p in model.parameters())
