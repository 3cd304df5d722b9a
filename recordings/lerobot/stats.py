"""The statistics LeRobot keeps per feature: per episode, and aggregated over the dataset."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from recordings.lerobot import layout

IMAGE_SAMPLES = 100  # frames per episode whose pixels enter the image statistics
IMAGE_SIDE = 150  # images are strided down to about this many pixels on the long side


def feature_stats(values: np.ndarray) -> dict[str, np.ndarray]:
    """min, max, mean, std, count and quantiles of (frames, D) values, per dimension."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    stats = {
        "min": values.min(axis=0),
        "max": values.max(axis=0),
        "mean": values.mean(axis=0),
        "std": values.std(axis=0),
        "count": np.array([len(values)]),
    }
    for q, name in zip(layout.QUANTILES, layout.STAT_NAMES[5:], strict=True):
        stats[name] = np.quantile(values, q, axis=0)
    return stats


def image_stats(frames: np.ndarray) -> dict[str, np.ndarray]:
    """Per-channel statistics of (N, H, W, 3) uint8 frames in [0, 1], shaped (3, 1, 1)."""
    stride = max(1, max(frames.shape[1:3]) // IMAGE_SIDE)
    pixels = frames[:, ::stride, ::stride].reshape(-1, 3) / 255.0
    stats = feature_stats(pixels)
    stats = {name: value.reshape(3, 1, 1) for name, value in stats.items() if name != "count"}
    stats["count"] = np.array([len(frames)])
    return stats


def sample_steps(length: int) -> np.ndarray:
    """Which steps of an episode enter its image statistics (evenly spread)."""
    return np.unique(np.linspace(0, length - 1, min(length, IMAGE_SAMPLES)).round().astype(int))


def aggregate(stats: Iterable[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """One feature's statistics over several episodes: counts weigh means, variances and
    quantiles (LeRobot's rule: quantiles are count-weighted means of the episodes')."""
    stats = list(stats)
    counts = np.array([float(s["count"][0]) for s in stats])
    shape = np.asarray(stats[0]["mean"]).shape
    weights = (counts / counts.sum()).reshape(-1, *([1] * len(shape)))
    means = np.stack([s["mean"] for s in stats])
    mean = (weights * means).sum(axis=0)
    variance = (weights * (np.stack([s["std"] for s in stats]) ** 2 + (means - mean) ** 2)).sum(0)
    total = {
        "min": np.min(np.stack([s["min"] for s in stats]), axis=0),
        "max": np.max(np.stack([s["max"] for s in stats]), axis=0),
        "mean": mean,
        "std": np.sqrt(variance),
        "count": np.array([int(counts.sum())]),
    }
    for name in layout.STAT_NAMES[5:]:
        total[name] = (weights * np.stack([s[name] for s in stats])).sum(axis=0)
    return total


def aggregate_features(episodes: list[dict[str, dict]]) -> dict[str, dict[str, np.ndarray]]:
    """{feature: stats} over every episode's {feature: stats}."""
    keys = list(episodes[0])
    return {key: aggregate(ep[key] for ep in episodes) for key in keys}


def as_json(stats: dict[str, dict[str, np.ndarray]]) -> dict:
    """Plain nested lists, as stats.json holds them."""
    return {
        key: {name: np.asarray(v).tolist() for name, v in s.items()} for key, s in stats.items()
    }


def from_json(data: dict) -> dict[str, dict[str, np.ndarray]]:
    """The inverse of `as_json`."""
    return {key: {name: np.asarray(v) for name, v in s.items()} for key, s in data.items()}
