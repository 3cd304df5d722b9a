"""transformers' layout: what `PI0ForConditionalGeneration.save_pretrained` writes, nothing else."""

from __future__ import annotations

from pathlib import Path

from transformers import PI0Config

from pi0_core.header import TensorInfo
from pi0_core.layouts.folder import (
    CONVENTION_OPTION,
    STATS_OPTION,
    TOKENIZER_OPTION,
    CheckpointFolder,
    find_tokenizer,
)
from pi0_core.layouts.keys import TRANSFORMERS
from pi0_core.presets import get_preset
from pi0_core.tokenizer import BYTE_TOKENIZER_FILE


def read_config(directory: Path) -> PI0Config:
    """transformers' PI0Config of config.json, with a one-line error when it is not one."""
    try:
        return PI0Config.from_pretrained(str(directory), local_files_only=True)
    except Exception as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"corrupt {directory / 'config.json'}: {message}") from exc


def read(directory: Path, tensors: dict[str, TensorInfo]) -> CheckpointFolder:
    """A bare transformers π0: the network only; stats and convention must be given."""
    bytes_tokenizer = (directory / BYTE_TOKENIZER_FILE).is_file()
    tokenizer = "bytes" if bytes_tokenizer else find_tokenizer(directory)
    problems = ["no normalisation statistics in the folder: give " + STATS_OPTION]
    problems.append(f"the folder does not say its joint convention: give {CONVENTION_OPTION}")
    if tokenizer is None:
        problems.append(f"no tokenizer files: give {TOKENIZER_OPTION}")
    preset = get_preset("tiny" if bytes_tokenizer else "pi0")
    return CheckpointFolder(
        layout="transformers",
        directory=directory,
        config=read_config(directory),
        rules=TRANSFORMERS,
        tensors=tensors,
        tokenizer=tokenizer,
        token_budget=preset.token_budget,
        problems=tuple(problems),
    )
