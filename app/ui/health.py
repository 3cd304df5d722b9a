"""Healthy ranges of the figures in the status bar, and how far a figure is out of them."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Health(str, enum.Enum):
    """Traffic-light grade of one figure."""

    OK = "ok"
    WARN = "warn"  # amber
    BAD = "bad"  # red


@dataclass(frozen=True)
class Limit:
    """Amber and red thresholds of one figure."""

    warn: float  # amber beyond this
    bad: float  # red beyond this
    higher_is_worse: bool = True  # False for rates: low is bad

    def __post_init__(self) -> None:
        ordered = self.warn <= self.bad if self.higher_is_worse else self.warn >= self.bad
        if not ordered:
            raise ValueError("the red threshold must lie beyond the amber one")

    def grade(self, value: float) -> Health:
        """OK, WARN or BAD for `value`."""
        sign = 1.0 if self.higher_is_worse else -1.0
        if sign * value > sign * self.bad:
            return Health.BAD
        if sign * value > sign * self.warn:
            return Health.WARN
        return Health.OK


@dataclass(frozen=True)
class HealthLimits:
    """Thresholds for a 50 Hz loop with 50-step (1 s) action chunks."""

    loop_hz: Limit = Limit(warn=47.0, bad=40.0, higher_is_worse=False)  # control-loop rate
    inference_ms: Limit = Limit(warn=500.0, bad=1000.0)  # a chunk lasts 1 s: slower under-runs
    dropped_frames: Limit = Limit(warn=0.0, bad=10.0)  # any drop is worth a look
    camera_age_ms: Limit = Limit(warn=100.0, bad=500.0)  # age of the oldest latest frame


HEALTH_COLOURS = {Health.OK: "#2e7d32", Health.WARN: "#c77c00", Health.BAD: "#c62828"}
