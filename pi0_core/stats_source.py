"""Normalisation statistics given as an object, a JSON file, or recorded episodes."""

from __future__ import annotations

import json
from pathlib import Path

from recordings.stats import NormStats, compute_norm_stats


def resolve_stats(source: object, checkpoint_dir: Path | None = None) -> NormStats:
    """NormStats from a NormStats, a .json file, or episode files/folders (comma-separated)."""
    if isinstance(source, NormStats):
        return source
    if source is None:
        where = f" in {checkpoint_dir}" if checkpoint_dir else ""
        raise ValueError(
            f"no policy.json{where}: give normalisation stats (a JSON file or a dataset folder)"
        )
    if isinstance(source, dict):
        return NormStats.from_dict(source)
    paths = [Path(p) for p in str(source).split(",")] if isinstance(source, str) else [Path(source)]
    if len(paths) == 1 and paths[0].suffix == ".json":
        try:
            return NormStats.from_dict(json.loads(paths[0].read_text()))
        except FileNotFoundError:
            raise FileNotFoundError(f"missing {paths[0]}") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"corrupt stats file {paths[0]}: {exc}") from exc
    return compute_norm_stats(paths)
