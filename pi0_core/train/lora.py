"""LoRA on the language model and the action expert (peft), the usual low-memory fine-tune.

The vision tower, its projector and the small action/state/time projections stay fully
trainable: they are a few percent of π0 and adapt the model to new cameras and joints.
"""

from __future__ import annotations

import torch

LANGUAGE_AND_EXPERT = ("model.vlm.language_model.", "model.dit.")
TARGETS = r".*model\.(vlm\.language_model|dit)\.layers\.\d+\.(self_attn|mlp)\.\w+_proj"


def apply_lora(model: torch.nn.Module, rank: int) -> torch.nn.Module:
    """Wrap the model in peft adapters; the base language model and expert are frozen."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=rank, lora_alpha=rank, lora_dropout=0.0, target_modules=TARGETS)
    wrapped = get_peft_model(model, config)
    for name, param in wrapped.named_parameters():
        inside = any(part in name for part in LANGUAGE_AND_EXPERT)
        param.requires_grad = "lora_" in name or not inside
    return wrapped


def is_lora(model: torch.nn.Module) -> bool:
    """Whether `model` carries peft adapters."""
    return hasattr(model, "merge_and_unload")


def merged(model: torch.nn.Module) -> torch.nn.Module:
    """The plain network with any adapters folded into its weights (what a checkpoint holds)."""
    return model.merge_and_unload() if is_lora(model) else model
