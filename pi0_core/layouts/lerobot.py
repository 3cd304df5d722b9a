"""LeRobot's `pi0` layout (openpi's keys under `model.`, processor files with the statistics)
and its older one (transformers 4.4x PaliGemma names, statistics as buffers in the weights)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from pi0_core.adapters import ALOHA_CAMERAS
from pi0_core.header import TensorInfo
from pi0_core.layouts.folder import (
    STATS_OPTION,
    TOKENIZER_OPTION,
    CheckpointFolder,
    find_tokenizer,
    read_json,
    vocab_rows,
)
from pi0_core.layouts.keys import LEROBOT, LEROBOT_LEGACY
from pi0_core.layouts.openpi import EMBEDDINGS
from pi0_core.layouts.variants import foreign_config, preset_for
from pi0_core.stats_source import LEROBOT_PROCESSORS, StatsFound, lerobot_stats, stats_from_vectors

log = logging.getLogger(__name__)

IMAGE_PREFIX = "observation.images."
# LeRobot's names -> this robot's: the ALOHA sim sets call cam_high "top"; pi0_base names
# openpi's roles (base, left wrist, right wrist).
CAMERA_ALIASES = {
    "top": "cam_high",
    "base_0_rgb": "cam_high",
    "left_wrist_0_rgb": "cam_left_wrist",
    "right_wrist_0_rgb": "cam_right_wrist",
}
LEGACY_EMBEDDING = "model.paligemma_with_expert.paligemma.language_model.lm_head.weight"
LEGACY_BUFFERS = {  # old LeRobot's Normalize buffers: (kind, stat) -> tensor name
    "state": "normalize_inputs.buffer_observation_state.",
    "action": "unnormalize_outputs.buffer_action.",
}


def is_legacy(tensors: dict[str, TensorInfo]) -> bool:
    """Whether the weights use LeRobot's older PaliGemma names."""
    return any(
        key.startswith("model.paligemma_with_expert.paligemma.language_model.") for key in tensors
    )


def read(directory: Path, tensors: dict[str, TensorInfo]) -> CheckpointFolder:
    """A LeRobot pi0 folder (either layout)."""
    config = read_json(directory / "config.json")
    legacy = is_legacy(tensors)
    preset = preset_for(
        config.get("paligemma_variant", "gemma_2b"),
        config.get("action_expert_variant", "gemma_300m"),
    )
    embeddings = (LEGACY_EMBEDDING,) if legacy else tuple("model." + name for name in EMBEDDINGS)
    network = foreign_config(
        preset,
        vocab_size=vocab_rows(tensors, embeddings),
        chunk_size=int(config.get("chunk_size", 50)),
        max_state_dim=int(config.get("max_state_dim", 32)),
        max_action_dim=int(config.get("max_action_dim", 32)),
    )
    refusals: list[str] = []
    resolution = config.get("image_resolution") or config.get("resize_imgs_with_padding")
    if resolution and tuple(resolution) != (preset.image_size, preset.image_size):
        refusals.append(
            f"image_resolution {list(resolution)}: the network takes {preset.image_size}"
        )
    if config.get("use_relative_actions"):
        # Its actions are offsets from the state: run as absolute goals they would drive
        # every joint toward zero.
        refusals.append("use_relative_actions (LeRobot's relative actions) is not supported")
    problems = list(refusals)
    try:
        stats = _legacy_stats(directory, tensors) if legacy else _processor_stats(directory)
    except (ValueError, FileNotFoundError) as exc:
        stats = None
        problems.append(f"{exc}: give {STATS_OPTION}")
    else:
        if stats is None:
            problems.append(f"no normalisation statistics in the folder: give {STATS_OPTION}")
    tokenizer = find_tokenizer(directory)
    if tokenizer is None:
        problems.append(f"no tokenizer in the folder: give {TOKENIZER_OPTION}")
    # LeRobot's pipeline converts no joints, except the old layout's adapt_to_pi_aloha option.
    convention = "openpi_aloha" if config.get("adapt_to_pi_aloha") else "identity"
    return CheckpointFolder(
        layout="lerobot-legacy" if legacy else "lerobot",
        directory=directory,
        config=network,
        rules=LEROBOT_LEGACY if legacy else LEROBOT,
        tensors=tensors,
        stats=stats,
        tokenizer=tokenizer,
        convention=convention,
        cameras=_cameras(config),
        token_budget=int(config.get("tokenizer_max_length", preset.token_budget)),
        problems=tuple(problems),
        refusals=tuple(refusals),
    )


def _cameras(config: dict) -> tuple[str, ...]:
    """Our camera names of the config's image features, in its order."""
    names = [
        key.removeprefix(IMAGE_PREFIX)
        for key, feature in config.get("input_features", {}).items()
        if key.startswith(IMAGE_PREFIX) and feature.get("type") == "VISUAL"
    ]
    cameras = tuple(CAMERA_ALIASES.get(name, name) for name in names)
    if cameras != tuple(names):
        log.info("LeRobot cameras %s are this robot's %s", names, list(cameras))
    return cameras or ALOHA_CAMERAS


def _processor_stats(directory: Path) -> StatsFound | None:
    if not any((directory / name).is_file() for name in LEROBOT_PROCESSORS):
        return None
    return lerobot_stats(directory)


def _legacy_stats(directory: Path, tensors: dict[str, TensorInfo]) -> StatsFound | None:
    """The old layout's Normalize buffers (inf when LeRobot saved them without dataset stats)."""
    from safetensors import safe_open

    names = {
        kind: {s: prefix + s for s in ("mean", "std")} for kind, prefix in LEGACY_BUFFERS.items()
    }
    wanted = [name for stats in names.values() for name in stats.values()]
    if not all(name in tensors for name in wanted):
        return None
    values = {}
    for name in wanted:
        with safe_open(str(tensors[name].file), framework="np") as weights:
            values[name] = weights.get_tensor(name).astype(np.float32)
    if not all(np.isfinite(v).all() for v in values.values()):
        return None
    stats = stats_from_vectors(
        *({s: values[n] for s, n in names[k].items()} for k in ("state", "action"))
    )
    return StatsFound(stats, f"{directory} (buffers in the weights)", std_floor=0.0, std_eps=1e-8)
