"""Checkpoint directories: transformers' save_pretrained layout plus policy.json and tokenizer.

Pickle files are never loaded: unpickling can run arbitrary code, and safetensors cannot.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from pi0_core.colour_map import COLOUR_MAP_FILE, ColourMap, save_colour_map
from pi0_core.header import read_header
from pi0_core.spec import POLICY_FILE, PolicySpec
from pi0_core.tokenizer import PromptTokenizer

if TYPE_CHECKING:
    import torch
    from transformers import PI0ForConditionalGeneration

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
WEIGHTS_INDEX_FILE = "model.safetensors.index.json"
CARD_FILE = "README.md"
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")


def refuse_pickles(directory: Path) -> None:
    """Raise if the directory holds pickle weights, whatever else it holds."""
    pickles = sorted(p.name for p in Path(directory).iterdir() if p.suffix in PICKLE_SUFFIXES)
    if pickles:
        raise ValueError(
            f"refusing to load pickle file {Path(directory) / pickles[0]}: pickle can run "
            "arbitrary code; convert the weights to model.safetensors"
        )


def check_files(directory: Path) -> list[Path]:
    """Check config.json and the safetensors weights are present and readable; return the latter."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"no checkpoint directory at {directory}")
    refuse_pickles(directory)
    _read_json(directory / CONFIG_FILE)
    weights = _weight_files(directory)
    for path in weights:
        read_header(path)
    return weights


def save_model(model: PI0ForConditionalGeneration, directory: Path) -> None:
    """config.json + model.safetensors in transformers' layout, without the unused expert
    embedding (strict loading does not ask for it)."""
    from transformers.utils import logging as hf_logging

    from pi0_core.network import saved_state

    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # a per-shard bar for one small file is noise
    try:
        model.save_pretrained(
            str(directory), state_dict=saved_state(model), safe_serialization=True
        )
    finally:
        if bars:
            hf_logging.enable_progress_bar()


def load_model(
    directory: Path, dtype: torch.dtype | None = None, device: str | torch.device = "cpu"
) -> PI0ForConditionalGeneration:
    """The network of a checkpoint directory in any layout, loaded strictly."""
    import torch

    from pi0_core.layouts import read_folder
    from pi0_core.network import load_network

    folder = read_folder(directory)
    return load_network(folder.config, folder.rules, folder.tensors, device, dtype or torch.float32)


def save_checkpoint(
    directory: Path,
    model: PI0ForConditionalGeneration,
    tokenizer: PromptTokenizer,
    spec: PolicySpec,
    model_card: str = "",
    colour_map: ColourMap | None = None,
) -> Path:
    """Write a complete, Policy-loadable checkpoint directory (with its colour map, which
    policy.json then names)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    save_model(model, directory)
    if colour_map is not None:
        save_colour_map(colour_map, directory)
        spec = replace(spec, colour_map=COLOUR_MAP_FILE)
    elif spec.colour_map is not None:
        raise ValueError("policy.json would name a colour map that is not saved with it")
    spec.save(directory)
    tokenizer.save(directory)
    if model_card:
        (directory / CARD_FILE).write_text(model_card)
    return directory


def read_model_card(directory: Path) -> str:
    """The README.md model card, or "" when there is none."""
    path = Path(directory) / CARD_FILE
    return path.read_text() if path.is_file() else ""


def has_policy_file(directory: Path) -> bool:
    """Whether the directory is one of ours (has policy.json) or a bare transformers π0."""
    return (Path(directory) / POLICY_FILE).is_file()


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"missing {path}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"corrupt {path}: {exc}") from exc


def _weight_files(directory: Path) -> list[Path]:
    if (directory / WEIGHTS_FILE).is_file():
        return [directory / WEIGHTS_FILE]
    index_path = directory / WEIGHTS_INDEX_FILE
    if index_path.is_file():
        shards = sorted(set(_read_json(index_path).get("weight_map", {}).values()))
        missing = [name for name in shards if not (directory / name).is_file()]
        if missing:
            raise FileNotFoundError(f"missing {directory / missing[0]}")
        return [directory / name for name in shards]
    raise FileNotFoundError(f"missing {directory / WEIGHTS_FILE}")
