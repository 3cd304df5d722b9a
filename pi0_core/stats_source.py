"""Normalisation statistics from any source people have, with the rule they are applied with.

Ours (a NormStats, its dict or JSON file, or recorded episodes), openpi's `norm_stats.json`
(z-score with std + 1e-6), LeRobot's processor files (`policy_preprocessor.json` /
`policy_postprocessor.json` and the normaliser safetensors they name, std + eps).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recordings.stats import NormStats, compute_norm_stats

OPENPI_STATS_FILE = "norm_stats.json"
OPENPI_EPS = 1e-6  # openpi's transforms.Normalize
LEROBOT_PROCESSORS = ("policy_preprocessor.json", "policy_postprocessor.json")
LEROBOT_STATE, LEROBOT_ACTION = "observation.state", "action"
LEROBOT_STEPS = ("normalizer_processor", "unnormalizer_processor")


@dataclass(frozen=True)
class StatsFound:
    """Normalisation statistics, where they came from, and the rule they are applied with."""

    stats: NormStats
    source: str  # for the log and `inspect`
    std_floor: float = 1e-2  # std is raised to at least this (ours)
    std_eps: float = 0.0  # added to std (openpi 1e-6, LeRobot 1e-8)


def resolve_stats(source: object, checkpoint_dir: Path | None = None) -> NormStats:
    """NormStats from any source `read_stats` takes."""
    if source is None:
        where = f" in {checkpoint_dir}" if checkpoint_dir else ""
        raise ValueError(f"no normalisation stats{where}: give them with --norm-stats PATH")
    return read_stats(source).stats


def read_stats(source: object) -> StatsFound:
    """Stats from a NormStats/StatsFound/dict, a JSON file, processor files, or episodes."""
    if isinstance(source, StatsFound):
        return source
    if isinstance(source, NormStats):
        return StatsFound(source, "given")
    if isinstance(source, dict):
        return StatsFound(NormStats.from_dict(source), "given")
    text = str(source)
    paths = [Path(p) for p in text.split(",")] if "," in text else [Path(text)]
    if len(paths) == 1:
        path = paths[0]
        if path.is_dir():
            found = _stats_in_folder(path)
            if found is not None:
                return found
        elif path.suffix == ".json":
            return _stats_json(path)
        elif not path.exists():
            raise FileNotFoundError(f"missing {path}")
    return StatsFound(compute_norm_stats(paths), f"computed from {text}")


def _stats_in_folder(directory: Path) -> StatsFound | None:
    if (directory / OPENPI_STATS_FILE).is_file():
        return openpi_stats(directory / OPENPI_STATS_FILE)
    if any((directory / name).is_file() for name in LEROBOT_PROCESSORS):
        return lerobot_stats(directory)
    return None


def _stats_json(path: Path) -> StatsFound:
    if path.name in LEROBOT_PROCESSORS:
        return lerobot_stats(path.parent)
    data = _read_json(path)
    if "norm_stats" in data:
        return openpi_stats(path)
    try:
        return StatsFound(NormStats.from_dict(data), str(path))
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"corrupt stats file {path}: {exc}") from exc


def openpi_stats(path: Path) -> StatsFound:
    """openpi's `{"norm_stats": {"state": {mean, std, q01, q99}, "actions": {...}}}`."""
    data = _read_json(path).get("norm_stats")
    try:
        state, actions = data["state"], data["actions"]
        stats = stats_from_vectors(state, actions)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(
            f"corrupt openpi stats {path}: needs norm_stats.state/actions ({exc})"
        ) from exc
    return StatsFound(stats, str(path), std_floor=0.0, std_eps=OPENPI_EPS)


def lerobot_stats(directory: Path) -> StatsFound:
    """State stats from LeRobot's preprocessor (its normaliser), action stats from its
    postprocessor (the unnormaliser), each falling back on the other file."""
    per_file: dict[str, dict[str, np.ndarray]] = {}
    eps = 1e-8
    for name in LEROBOT_PROCESSORS:
        path = directory / name
        if not path.is_file():
            continue
        per_file[name] = {}
        for step in _read_json(path).get("steps", []):
            if step.get("registry_name") not in LEROBOT_STEPS or not step.get("state_file"):
                continue
            eps = float(step.get("config", {}).get("eps", eps))
            _check_mean_std(step.get("config", {}), path)
            per_file[name].update(_read_tensors(directory / step["state_file"]))
    pre, post = (per_file.get(name, {}) for name in LEROBOT_PROCESSORS)
    state = _feature_stats({**post, **pre}, LEROBOT_STATE, directory)
    action = _feature_stats({**pre, **post}, LEROBOT_ACTION, directory)
    stats = stats_from_vectors(state, action)
    return StatsFound(stats, f"{directory} (LeRobot processors)", std_floor=0.0, std_eps=eps)


def _feature_stats(tensors: dict[str, np.ndarray], feature: str, directory: Path) -> dict:
    stats = {
        stat: tensors[f"{feature}.{stat}"]
        for stat in ("mean", "std", "min", "max", "q01", "q99")
        if f"{feature}.{stat}" in tensors
    }
    if "mean" not in stats or "std" not in stats:
        raise ValueError(f"no {feature}.mean/std in the LeRobot normaliser files of {directory}")
    return stats


def _check_mean_std(config: dict, path: Path) -> None:
    for feature_type, mode in config.get("norm_map", {}).items():
        if feature_type in ("STATE", "ACTION") and mode != "MEAN_STD":
            raise ValueError(f"{path}: {feature_type} normalised with {mode}; π0 uses MEAN_STD")


def _read_tensors(path: Path) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    try:
        return load_file(str(path))
    except FileNotFoundError:
        raise FileNotFoundError(f"missing {path}") from None
    except Exception as exc:
        raise ValueError(f"corrupt {path}: {exc}") from exc


def stats_from_vectors(state: dict, actions: dict) -> NormStats:
    """NormStats from per-kind mean/std (+ q01/q99, else min/max, else mean ∓ 2 std)."""
    values = {}
    for prefix, stats in (("state", state), ("action", actions)):
        mean = np.asarray(stats["mean"], dtype=np.float32).reshape(-1)
        std = np.asarray(stats["std"], dtype=np.float32).reshape(-1)
        if mean.shape != std.shape or not np.isfinite(mean).all() or not np.isfinite(std).all():
            raise ValueError(f"{prefix} mean/std are not finite vectors of one length")
        for name, other, default in (
            ("q01", "min", mean - 2 * std),
            ("q99", "max", mean + 2 * std),
        ):
            given = stats.get(name, stats.get(other))
            values[f"{prefix}_{name}"] = default if given is None else np.asarray(given).reshape(-1)
        values[f"{prefix}_mean"], values[f"{prefix}_std"] = mean, std
    return NormStats(**values)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"missing {path}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"corrupt {path}: {exc}") from exc
