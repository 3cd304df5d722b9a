"""What a checkpoint folder is, from its small files and the safetensors header only (`inspect`)."""

from __future__ import annotations

from pathlib import Path

from pi0_core.adapters import make_adapter
from pi0_core.header import disk_dtype
from pi0_core.layouts import read_folder
from pi0_core.layouts.keys import CheckpointMismatchError, match_keys
from pi0_core.network import expected_shapes


def _stack(config) -> dict:
    return {
        "hidden_size": config.hidden_size,
        "layers": config.num_hidden_layers,
        "heads": config.num_attention_heads,
        "kv_heads": getattr(config, "num_key_value_heads", config.num_attention_heads),
        "mlp_size": config.intermediate_size,
    }


def describe(directory: str | Path) -> dict:
    """Layout, sizes, dims, stats, tokenizer, convention and every problem found."""
    folder = read_folder(directory)
    problems = list(folder.problems)
    try:
        sources = match_keys(folder.rules, folder.tensors, expected_shapes(folder.config))
        parameters = sum(folder.tensors[name].numel for name in sources.values())
    except CheckpointMismatchError as exc:
        problems.insert(0, str(exc))
        parameters = sum(info.numel for info in folder.tensors.values())
    config = folder.config
    stats = folder.stats.stats if folder.stats else None
    fixed = make_adapter(folder.convention).joints if folder.convention else None
    vision = config.vlm_config.vision_config
    colour_map = folder.spec.colour_map if folder.spec else None
    if colour_map and not (folder.directory / colour_map).is_file():
        problems.append(f"policy.json names a colour map, {colour_map}, that is not in the folder")
    return {
        "directory": str(folder.directory),
        "layout": folder.layout,
        "parameters": parameters,
        "dtype": disk_dtype(folder.tensors),
        "state_dim": folder.spec.state_dim if folder.spec else fixed or _width(stats, "state"),
        "action_dim": folder.spec.action_dim if folder.spec else fixed or _width(stats, "action"),
        "chunk_size": config.chunk_size,
        "max_dim": config.max_action_dim,
        "image_size": vision.image_size,
        "patch_size": vision.patch_size,
        "token_budget": folder.token_budget,
        "cameras": list(folder.cameras) if folder.cameras else None,
        "vision": _stack(vision),
        "language": _stack(config.vlm_config.text_config),
        "expert": _stack(config.dit_config),
        "vocab_size": config.vlm_config.text_config.vocab_size,
        "stats": folder.stats.source if folder.stats else None,
        "tokenizer": folder.tokenizer,
        "convention": folder.convention,
        "colour_map": colour_map,  # a learned map in front of the tower (`--teach-colour-map`)
        "problems": problems,
    }


def _width(stats, kind: str) -> int | None:
    if stats is None:
        return None
    return len(stats.state_mean if kind == "state" else stats.action_mean)
