"""Write a loaded policy in another layout: ours (pi0studio) or LeRobot's pi0 with its processors.

Safetensors only. LeRobot's pipeline converts no joints, so only identity-convention policies
are written for it, and its normaliser divides by std + eps: the std written is ours
(max(std, floor) + eps) minus LeRobot's eps, so both normalise alike.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import torch

from pi0_core.colour_map import COLOUR_MAP_FILE
from pi0_core.layouts.keys import LANGUAGE_EMBEDDING, LEROBOT, file_keys
from pi0_core.layouts.variants import VARIANTS, foreign_config
from pi0_core.network import expected_shapes, saved_state
from pi0_core.policy import Policy
from pi0_core.presets import get_preset
from pi0_core.stats_source import LEROBOT_ACTION, LEROBOT_STATE

log = logging.getLogger(__name__)

TARGETS = ("pi0studio", "lerobot")
LEROBOT_EPS = 1e-8
LEROBOT_TOKENIZER = "google/paligemma-3b-pt-224"
PREPROCESSOR, POSTPROCESSOR = "policy_preprocessor", "policy_postprocessor"


def convert(policy: Policy, out: Path, to: str = "pi0studio") -> Path:
    """Write `policy` under `out` in the layout `to`."""
    if to not in TARGETS:
        raise ValueError(f"unknown target layout {to!r}; known: {', '.join(TARGETS)}")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty: choose a new --out folder")
    if to == "pi0studio":
        return policy.save(out)
    if getattr(policy, "colour_map", None) is not None:
        raise ValueError(
            f"this policy sees its images through a learned colour map ({COLOUR_MAP_FILE}), "
            f"which the {to} layout cannot carry: keep it as pi0studio"
        )
    return write_lerobot(policy, out)


def lerobot_variants(policy: Policy) -> tuple[str, str]:
    """The (paligemma_variant, action_expert_variant) whose network is this one, else an error."""
    shapes = {k: tuple(v.shape) for k, v in saved_state(policy.model).items()}
    config = policy.model.config
    for variants, preset in VARIANTS.items():
        candidate = foreign_config(
            get_preset(preset),
            config.vlm_config.text_config.vocab_size,
            config.chunk_size,
            config.max_state_dim,
            config.max_action_dim,
        )
        if expected_shapes(candidate) == shapes:
            return variants
    raise ValueError("LeRobot's pi0 has the full π0 network only (gemma_2b + gemma_300m)")


def write_lerobot(policy: Policy, out: Path) -> Path:
    """LeRobot's pi0 folder: config.json, model.safetensors, processor JSON + safetensors."""
    from safetensors.torch import save_file

    if policy.spec.adapter != "identity":
        raise ValueError(
            f"LeRobot's pi0 converts no joints; this policy uses the {policy.spec.adapter} "
            "convention"
        )
    paligemma, expert = lerobot_variants(policy)
    out.mkdir(parents=True, exist_ok=True)
    state = saved_state(policy.model)
    names = file_keys(LEROBOT, state)
    tensors = {names[k]: v.detach().cpu().contiguous() for k, v in state.items()}
    tied = next(file for file, network in LEROBOT.tied if network == LANGUAGE_EMBEDDING)
    tensors[tied] = state[LANGUAGE_EMBEDDING].detach().cpu().clone()  # LeRobot's tied lm_head
    save_file(tensors, str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "config.json").write_text(
        json.dumps(lerobot_config(policy, paligemma, expert), indent=2)
    )
    _write_processors(policy, out)
    policy.tokenizer.save(out)
    log.info("wrote LeRobot pi0 checkpoint %s", out)
    return out


def lerobot_config(policy: Policy, paligemma: str, expert: str) -> dict:
    """LeRobot's PI0Config fields for this policy."""
    spec = policy.spec
    height, width = spec.camera_size or (spec.image_size, spec.image_size)
    images = {
        f"observation.images.{camera}": {"type": "VISUAL", "shape": [3, height, width]}
        for camera in spec.cameras
    }
    return {
        "type": "pi0",
        "n_obs_steps": 1,
        "input_features": {
            LEROBOT_STATE: {"type": "STATE", "shape": [spec.state_dim]},
            **images,
        },
        "output_features": {LEROBOT_ACTION: {"type": "ACTION", "shape": [spec.action_dim]}},
        "paligemma_variant": paligemma,
        "action_expert_variant": expert,
        "dtype": "bfloat16" if policy.dtype == torch.bfloat16 else "float32",
        "chunk_size": spec.chunk_size,
        "n_action_steps": spec.chunk_size,
        "max_state_dim": spec.max_dim,
        "max_action_dim": spec.max_dim,
        "num_inference_steps": int(policy.model.config.num_inference_steps),
        "tokenizer_max_length": spec.token_budget,
        "image_resolution": [spec.image_size, spec.image_size],
        "normalization_mapping": {"VISUAL": "IDENTITY", "STATE": "MEAN_STD", "ACTION": "MEAN_STD"},
    }


def _lerobot_std(policy: Policy, std: np.ndarray) -> np.ndarray:
    spec = policy.spec
    return np.maximum(std, spec.std_floor) + spec.std_eps - LEROBOT_EPS


def _write_processors(policy: Policy, out: Path) -> None:
    from safetensors.numpy import save_file

    spec, stats = policy.spec, policy.spec.stats
    values = {
        f"{LEROBOT_STATE}.mean": stats.state_mean,
        f"{LEROBOT_STATE}.std": _lerobot_std(policy, stats.state_std),
        f"{LEROBOT_ACTION}.mean": stats.action_mean,
        f"{LEROBOT_ACTION}.std": _lerobot_std(policy, stats.action_std),
    }
    values = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in values.items()}
    features = lerobot_config(policy, "", "")
    norm = {
        "eps": LEROBOT_EPS,
        "features": {**features["input_features"], **features["output_features"]},
        "norm_map": features["normalization_mapping"],
    }
    pre_steps = [
        {"registry_name": "rename_observations_processor", "config": {"rename_map": {}}},
        {"registry_name": "to_batch_processor", "config": {}},
        {"registry_name": "pi0_new_line_processor", "config": {}},
        {
            "registry_name": "tokenizer_processor",
            "config": {
                "tokenizer_name": LEROBOT_TOKENIZER,
                "max_length": spec.token_budget,
                "task_key": "task",
                "padding_side": "right",
                "padding": "max_length",
                "truncation": True,
            },
        },
        {"registry_name": "device_processor", "config": {"device": "cpu", "float_dtype": None}},
        {"registry_name": "normalizer_processor", "config": norm},
    ]
    post_steps = [
        {"registry_name": "unnormalizer_processor", "config": norm},
        {"registry_name": "device_processor", "config": {"device": "cpu", "float_dtype": None}},
    ]
    for name, steps, index in ((PREPROCESSOR, pre_steps, 5), (POSTPROCESSOR, post_steps, 0)):
        registry = steps[index]["registry_name"]
        state_file = f"{name}_step_{index}_{registry}.safetensors"
        steps[index]["state_file"] = state_file
        save_file(values, str(out / state_file))
        (out / f"{name}.json").write_text(json.dumps({"name": name, "steps": steps}, indent=2))
