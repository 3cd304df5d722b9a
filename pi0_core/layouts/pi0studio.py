"""Our own layout: transformers' config.json + model.safetensors, policy.json, tokenizer files."""

from __future__ import annotations

from pathlib import Path

from pi0_core.header import TensorInfo
from pi0_core.layouts.folder import TOKENIZER_OPTION, CheckpointFolder, find_tokenizer
from pi0_core.layouts.keys import TRANSFORMERS
from pi0_core.layouts.transformers import read_config
from pi0_core.spec import PolicySpec
from pi0_core.stats_source import StatsFound
from pi0_core.tokenizer import BYTE_TOKENIZER_FILE


def read(directory: Path, tensors: dict[str, TensorInfo]) -> CheckpointFolder:
    """A checkpoint written by pi0 Studio: everything is in policy.json and beside it."""
    spec = PolicySpec.load(directory)
    if spec.tokenizer == "bytes" or (directory / BYTE_TOKENIZER_FILE).is_file():
        tokenizer = "bytes"
    else:
        tokenizer = find_tokenizer(directory)
    problems = () if tokenizer else (f"no tokenizer files: give {TOKENIZER_OPTION}",)
    stats = StatsFound(spec.stats, str(directory / "policy.json"), spec.std_floor, spec.std_eps)
    return CheckpointFolder(
        layout="pi0studio",
        directory=directory,
        config=read_config(directory),
        rules=TRANSFORMERS,
        tensors=tensors,
        spec=spec,
        stats=stats,
        tokenizer=tokenizer,
        convention=spec.adapter,
        cameras=spec.cameras,
        token_budget=spec.token_budget,
        problems=problems,
    )
