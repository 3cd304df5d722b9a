"""Checkpoint layouts: each reader yields the same four things (network, stats, tokenizer,
convention) from the files of one layout; `read_folder` detects which one a folder is."""

from __future__ import annotations

import logging
from pathlib import Path

from pi0_core.checkpoint import CONFIG_FILE, check_files
from pi0_core.header import read_headers
from pi0_core.layouts import lerobot, openpi, pi0studio, transformers
from pi0_core.layouts.folder import LAYOUTS, CheckpointFolder, read_json
from pi0_core.spec import POLICY_FILE

log = logging.getLogger(__name__)

__all__ = ["LAYOUTS", "CheckpointFolder", "detect_layout", "read_folder"]


def detect_layout(directory: Path, tensor_names: set[str] | None = None) -> str:
    """Which layout the folder's files are in (one-line error when none)."""
    directory = Path(directory)
    if (directory / POLICY_FILE).is_file():
        return "pi0studio"
    config = read_json(directory / CONFIG_FILE)
    kind = config.get("model_type") or config.get("type")
    if (
        kind in ("pi05", "pi0.5")
        or config.get("pi05")
        or "time_mlp_in.weight" in (tensor_names or ())
    ):
        raise ValueError(f"{directory} is a π0.5 checkpoint; pi0 Studio runs π0")
    if config.get("model_type") == "pi0":
        return "transformers"
    if config.get("type") == "pi0":
        legacy = any(
            name.startswith("model.paligemma_with_expert.paligemma.language_model.")
            for name in tensor_names or ()
        )
        return "lerobot-legacy" if legacy else "lerobot"
    if "paligemma_variant" in config or "action_expert_variant" in config:
        return "openpi"
    raise ValueError(
        f"{directory / CONFIG_FILE} is not a π0 checkpoint's: no model_type 'pi0' (transformers), "
        "type 'pi0' (LeRobot) or paligemma_variant (openpi)"
    )


def read_folder(directory: str | Path) -> CheckpointFolder:
    """Everything about a checkpoint folder except its tensor data (header only)."""
    directory = Path(directory)
    tensors = read_headers(check_files(directory))
    layout = detect_layout(directory, set(tensors))
    reader = {
        "pi0studio": pi0studio.read,
        "transformers": transformers.read,
        "openpi": openpi.read,
        "lerobot": lerobot.read,
        "lerobot-legacy": lerobot.read,
    }[layout]
    folder = reader(directory, tensors)
    log.info("%s: %s layout", directory, folder.layout)
    return folder
