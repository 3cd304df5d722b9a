"""A checkpoint folder plus what the user gives (stats, tokenizer, convention) -> policy.json."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np

from pi0_core.adapters import ALOHA_CAMERAS, convention_name, make_adapter
from pi0_core.layouts.folder import (
    CONVENTION_OPTION,
    STATS_OPTION,
    TOKENIZER_OPTION,
    CheckpointFolder,
)
from pi0_core.spec import PolicySpec
from pi0_core.stats_source import StatsFound, read_stats
from pi0_core.tokenizer import PromptTokenizer, load_tokenizer, open_tokenizer
from recordings.stats import NormStats

log = logging.getLogger(__name__)

DEFAULT_CAMERAS = ALOHA_CAMERAS  # openpi's base + wrists, for a folder that names none


class MissingInputError(ValueError):
    """The folder lacks something needed to run; the message names the option that supplies it."""


class UnsupportedCheckpointError(ValueError):
    """The checkpoint asks for something this network cannot honour; no option fixes it."""


def check_supported(folder: CheckpointFolder, where: str) -> None:
    """Refuse, in one line, a checkpoint that asks for what this network cannot honour."""
    if folder.refusals:
        raise UnsupportedCheckpointError(f"{where}: {'; '.join(folder.refusals)}: refusing it")


def resolve(
    folder: CheckpointFolder,
    norm_stats: object = None,
    tokenizer: object = None,
    convention: str | None = None,
    cameras: tuple[str, ...] | None = None,
) -> tuple[PolicySpec, PromptTokenizer]:
    """The policy.json and tokenizer of a folder, with the user's choices taking precedence."""
    stats = read_stats(norm_stats) if norm_stats is not None else folder.stats
    if convention is not None:
        convention = convention_name(convention)
    convention = convention or folder.convention
    where = f"{folder.directory} ({folder.layout} layout)"
    check_supported(folder, where)
    if stats is None:
        raise MissingInputError(f"{where} has no normalisation statistics: give {STATS_OPTION}")
    if convention is None:
        raise MissingInputError(
            f"{where} does not say its joint convention: give {CONVENTION_OPTION} "
            "(identity, openpi_aloha, openpi_aloha_delta)"
        )
    prompt_tokenizer = _tokenizer(folder, tokenizer, where)
    if folder.spec is not None:
        spec = replace(
            folder.spec,
            stats=_fit(stats.stats, folder.spec.state_dim, folder.spec.action_dim),
            std_floor=stats.std_floor,
            std_eps=stats.std_eps,
            adapter=convention,
            cameras=tuple(cameras or folder.spec.cameras),
        )
        return spec, prompt_tokenizer
    return _foreign_spec(folder, stats, convention, cameras, prompt_tokenizer), prompt_tokenizer


def _foreign_spec(
    folder: CheckpointFolder,
    stats: StatsFound,
    convention: str,
    cameras: tuple[str, ...] | None,
    tokenizer: PromptTokenizer,
) -> PolicySpec:
    adapter = make_adapter(convention)
    dims = adapter.joints
    config = folder.config
    state_dim = dims or len(stats.stats.state_mean)
    action_dim = dims or len(stats.stats.action_mean)
    return PolicySpec(
        preset="tiny" if tokenizer.kind == "bytes" else "pi0",
        cameras=tuple(cameras or folder.cameras or adapter.cameras or DEFAULT_CAMERAS),
        state_dim=state_dim,
        action_dim=action_dim,
        image_size=config.vlm_config.vision_config.image_size,
        token_budget=folder.token_budget,
        chunk_size=config.chunk_size,
        max_dim=config.max_action_dim,
        tokenizer=tokenizer.kind,
        stats=_fit(stats.stats, state_dim, action_dim),
        adapter=convention,
        std_floor=stats.std_floor,
        std_eps=stats.std_eps,
    )


def _fit(stats: NormStats, state_dim: int, action_dim: int) -> NormStats:
    """Stats cut to the robot's widths (openpi's may be padded to 32, as openpi cuts them)."""
    values = {}
    for name, value in stats.to_dict().items():
        width = state_dim if name.startswith("state") else action_dim
        if len(value) < width:
            raise ValueError(
                f"the statistics have {len(value)} values of {name}, the robot {width}"
            )
        values[name] = np.asarray(value[:width], dtype=np.float32)
    return NormStats(**values)


def _tokenizer(folder: CheckpointFolder, given: object, where: str) -> PromptTokenizer:
    if given is not None:
        return open_tokenizer(given)
    if folder.tokenizer is None:
        raise MissingInputError(f"{where} has no tokenizer: give {TOKENIZER_OPTION}")
    if folder.tokenizer == "bytes":
        return open_tokenizer("bytes")
    path = Path(folder.tokenizer)
    kind = folder.spec.tokenizer if folder.spec is not None else None
    return load_tokenizer(path, kind) if path.is_dir() else open_tokenizer(path)
