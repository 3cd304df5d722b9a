"""openpi's PyTorch layout: what examples/convert_jax_model_to_pytorch.py writes.

`model.safetensors` (PI0Pytorch's keys), openpi's small config.json (paligemma_variant,
action_expert_variant, action_dim, action_horizon, precision) and
`assets/<asset_id>/norm_stats.json`; no tokenizer (openpi reads paligemma_tokenizer.model).
"""

from __future__ import annotations

from pathlib import Path

from pi0_core.header import TensorInfo
from pi0_core.layouts.folder import (
    CONVENTION_OPTION,
    STATS_OPTION,
    TOKENIZER_OPTION,
    CheckpointFolder,
    find_tokenizer,
    read_json,
    vocab_rows,
)
from pi0_core.layouts.keys import OPENPI
from pi0_core.layouts.variants import foreign_config, preset_for
from pi0_core.stats_source import OPENPI_STATS_FILE, openpi_stats

# openpi asset ids -> the convention its ALOHA configs train with (training/config.py).
ASSET_CONVENTIONS = {
    "trossen": "openpi_aloha_delta",  # pi0_aloha_towel, _tupperware, _pen_uncap
    "aloha_sim_transfer_cube_human": "openpi_aloha",  # pi0_aloha_sim: no delta actions
}
EMBEDDINGS = (
    "paligemma_with_expert.paligemma.model.language_model.embed_tokens.weight",
    "paligemma_with_expert.paligemma.lm_head.weight",
)


def read(directory: Path, tensors: dict[str, TensorInfo], prefix: str = "") -> CheckpointFolder:
    """An openpi PyTorch checkpoint folder."""
    config = read_json(directory / "config.json")
    preset = preset_for(
        config.get("paligemma_variant", "gemma_2b"),
        config.get("action_expert_variant", "gemma_300m"),
    )
    width = int(config.get("action_dim", 32))
    network = foreign_config(
        preset,
        vocab_size=vocab_rows(tensors, tuple(prefix + name for name in EMBEDDINGS)),
        chunk_size=int(config.get("action_horizon", 50)),
        max_state_dim=width,
        max_action_dim=width,
    )
    problems: list[str] = []
    stats, asset_id = None, None
    found = sorted((directory / "assets").glob(f"**/{OPENPI_STATS_FILE}"))
    if len(found) == 1:
        stats = openpi_stats(found[0])
        asset_id = found[0].parent.relative_to(directory / "assets").as_posix()
    elif found:
        names = ", ".join(p.parent.relative_to(directory).as_posix() for p in found)
        problems.append(f"several statistics ({names}): choose one with {STATS_OPTION}")
    else:
        problems.append(f"no assets/<asset_id>/{OPENPI_STATS_FILE}: give {STATS_OPTION}")
    convention = ASSET_CONVENTIONS.get((asset_id or "").split("/")[-1])
    if convention is None:
        problems.append(f"the folder does not say its joint convention: give {CONVENTION_OPTION}")
    tokenizer = find_tokenizer(directory)
    if tokenizer is None:
        problems.append(f"no tokenizer in the folder: give {TOKENIZER_OPTION}")
    return CheckpointFolder(
        layout="openpi",
        directory=directory,
        config=network,
        rules=OPENPI,
        tensors=tensors,
        stats=stats,
        tokenizer=tokenizer,
        convention=convention,
        token_budget=preset.token_budget,
        problems=tuple(problems),
    )
