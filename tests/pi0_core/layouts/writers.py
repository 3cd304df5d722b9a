"""Tiny checkpoints in openpi's and LeRobot's layouts, written by the key rules from one policy."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

from pi0_core.adapters import ALOHA_CAMERAS
from pi0_core.layouts.keys import LANGUAGE_EMBEDDING, LEROBOT_LEGACY, OPENPI, file_keys
from pi0_core.network import saved_state
from pi0_core.policy import Policy
from recordings.stats import NormStats
from tests.pi0_core.conftest import MICRO, make_policy

VARIANT = "micro"  # registered as a paligemma and expert variant by the tests' fixture
OPENPI_LM_HEAD = "paligemma_with_expert.paligemma.lm_head.weight"


def aloha_policy(spec_changes: dict | None = None, seed: int = 0) -> Policy:
    """A micro policy with openpi's three ALOHA cameras and, optionally, other spec fields."""
    policy = make_policy(seed=seed, cameras=ALOHA_CAMERAS)
    if spec_changes:
        policy = Policy(policy.model, policy.tokenizer, replace(policy.spec, **spec_changes))
    return policy


def aloha_observation(seed: int = 0) -> dict:
    """Images of the three cameras, a 14-joint ALOHA state in range, a prompt."""
    rng = np.random.default_rng(seed)
    images = {c: rng.integers(0, 256, size=(24, 32, 3), dtype=np.uint8) for c in ALOHA_CAMERAS}
    state = rng.uniform(-0.5, 0.5, size=14)
    state[[6, 13]] = rng.uniform(0.2, 0.8, size=2)  # normalised gripper openings
    return {"images": images, "state": state, "prompt": "fold the towel"}


def noise(seed: int = 0) -> np.ndarray:
    """(chunk, 32) noise of the micro preset."""
    return np.random.default_rng(seed).normal(size=(MICRO.chunk_size, MICRO.max_dim))


def _tensors(policy: Policy, rules, embedding_only_tied: bool) -> dict[str, torch.Tensor]:
    state = saved_state(policy.model)
    names = file_keys(rules, state)
    tensors = {names[k]: v.detach().clone().contiguous() for k, v in state.items()}
    if embedding_only_tied:
        tied = next(file for file, network in rules.tied if network == LANGUAGE_EMBEDDING)
        tensors[tied] = tensors.pop(names[LANGUAGE_EMBEDDING])
    return tensors


def openpi_stats_dict(stats: NormStats) -> dict:
    """openpi's norm_stats.json content."""

    def kind(prefix: str) -> dict:
        return {
            stat: getattr(stats, f"{prefix}_{stat}").tolist()
            for stat in ("mean", "std", "q01", "q99")
        }

    return {"norm_stats": {"state": kind("state"), "actions": kind("action")}}


def write_openpi(
    directory: Path, policy: Policy, stats: NormStats, asset_id: str = "trossen"
) -> Path:
    """openpi's converter output: PI0Pytorch keys (embedding as lm_head), config, assets."""
    directory.mkdir(parents=True)
    save_file(_tensors(policy, OPENPI, True), str(directory / "model.safetensors"))
    config = {
        "action_dim": MICRO.max_dim,
        "action_horizon": MICRO.chunk_size,
        "paligemma_variant": VARIANT,
        "action_expert_variant": VARIANT,
        "precision": "float32",
    }
    (directory / "config.json").write_text(json.dumps(config))
    assets = directory / "assets" / asset_id
    assets.mkdir(parents=True)
    (assets / "norm_stats.json").write_text(json.dumps(openpi_stats_dict(stats)))
    return directory


def write_lerobot_legacy(directory: Path, policy: Policy, stats: NormStats) -> Path:
    """LeRobot's old pi0 layout: transformers 4.4x names, stats buffers in the weights."""
    directory.mkdir(parents=True)
    tensors = _tensors(policy, LEROBOT_LEGACY, True)
    for prefix, kind in (
        ("normalize_inputs.buffer_observation_state.", "state"),
        ("normalize_targets.buffer_action.", "action"),
        ("unnormalize_outputs.buffer_action.", "action"),
    ):
        for stat in ("mean", "std"):
            tensors[prefix + stat] = torch.tensor(getattr(stats, f"{kind}_{stat}"))
    save_file(tensors, str(directory / "model.safetensors"))
    config = {
        "type": "pi0",
        "paligemma_variant": VARIANT,  # old configs have none (full π0); the micro one is named
        "action_expert_variant": VARIANT,
        "chunk_size": MICRO.chunk_size,
        "max_state_dim": MICRO.max_dim,
        "max_action_dim": MICRO.max_dim,
        "tokenizer_max_length": MICRO.token_budget,
        "resize_imgs_with_padding": [MICRO.image_size, MICRO.image_size],
        "adapt_to_pi_aloha": False,
        "input_features": {
            "observation.state": {"type": "STATE", "shape": [14]},
            **{
                f"observation.images.{c}": {"type": "VISUAL", "shape": [3, 24, 32]}
                for c in ALOHA_CAMERAS
            },
        },
        "output_features": {"action": {"type": "ACTION", "shape": [14]}},
    }
    (directory / "config.json").write_text(json.dumps(config))
    return directory
