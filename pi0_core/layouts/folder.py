"""What a checkpoint folder holds, as every layout reader reports it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from transformers import PI0Config

from pi0_core.header import TensorInfo
from pi0_core.layouts.keys import KeyRules
from pi0_core.spec import PolicySpec
from pi0_core.stats_source import StatsFound
from pi0_core.tokenizer import BYTE_TOKENIZER_FILE

LAYOUTS = ("pi0studio", "transformers", "openpi", "lerobot", "lerobot-legacy")
TOKENIZER_FILES = ("tokenizer.model", "paligemma_tokenizer.model")  # PaliGemma SentencePiece
TOKENIZER_OPTION = (
    "--tokenizer PATH (PaliGemma's tokenizer.model or a transformers tokenizer folder)"
)
STATS_OPTION = "--norm-stats PATH"
CONVENTION_OPTION = "--convention NAME"


@dataclass(frozen=True)
class CheckpointFolder:
    """The four things a layout yields (network, stats, tokenizer, convention), read from small
    files and the safetensors header only."""

    layout: str  # one of LAYOUTS
    directory: Path
    config: PI0Config  # the network's dimensions
    rules: KeyRules  # file key -> network key
    tensors: dict[str, TensorInfo]  # from the safetensors header
    spec: PolicySpec | None = None  # ours: everything else is in policy.json
    stats: StatsFound | None = None
    tokenizer: str | None = None  # "bytes", a tokenizer file or folder; None: not in the folder
    convention: str | None = None  # None: the folder does not say
    cameras: tuple[str, ...] | None = None  # model order
    token_budget: int = 48
    problems: tuple[str, ...] = field(default=())  # what stops it from running as it is
    # What no option can fix (an action space or input this network cannot honour): the load
    # refuses. Each is also among `problems`, so that `inspect` lists it.
    refusals: tuple[str, ...] = field(default=())


def read_json(path: Path) -> dict:
    """A JSON object from a file, with a one-line error naming a missing or corrupt file."""
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"missing {path}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"corrupt {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"corrupt {path}: not a JSON object")
    return data


def find_tokenizer(directory: Path) -> str | None:
    """The tokenizer in the folder: "bytes" (ours), a SentencePiece file, transformers' files."""
    if (directory / BYTE_TOKENIZER_FILE).is_file():
        return "bytes"
    for name in TOKENIZER_FILES:
        if (directory / name).is_file():
            return str(directory / name)
    if (directory / "tokenizer_config.json").is_file() or (directory / "tokenizer.json").is_file():
        return str(directory)
    return None


def vocab_rows(tensors: dict[str, TensorInfo], names: tuple[str, ...]) -> int:
    """Rows of the first of `names` in the file (the language embedding), 0 if none is."""
    for name in names:
        if name in tensors and tensors[name].shape:
            return int(tensors[name].shape[0])
    return 0
