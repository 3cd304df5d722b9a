"""Servo units <-> SI: 4096 ticks per turn with 2048 at 0 rad; 0.229 rpm per velocity unit."""

from __future__ import annotations

import math

import numpy as np

TICKS_PER_TURN = 4096
CENTER_TICKS = 2048  # the tick count at 0 rad
RAD_PER_TICK = 2 * math.pi / TICKS_PER_TURN
RAD_S_PER_VELOCITY_UNIT = 0.229 * 2 * math.pi / 60  # Present_Velocity counts 0.229 rev/min


def ticks_to_radians(ticks: np.ndarray | int) -> np.ndarray | float:
    """Joint angle in radians for a Present_Position value."""
    return (np.asarray(ticks, dtype=np.float64) - CENTER_TICKS) * RAD_PER_TICK


def radians_to_ticks(radians: np.ndarray | float) -> np.ndarray | int:
    """Goal_Position value for a joint angle in radians (rounded to the nearest tick)."""
    ticks = np.rint(np.asarray(radians, dtype=np.float64) / RAD_PER_TICK) + CENTER_TICKS
    return ticks.astype(np.int64) if np.ndim(ticks) else int(ticks)


def velocity_to_rad_s(units: np.ndarray | int) -> np.ndarray | float:
    """Joint velocity in rad/s for a Present_Velocity value."""
    return np.asarray(units, dtype=np.float64) * RAD_S_PER_VELOCITY_UNIT


def rad_s_to_velocity(rad_s: np.ndarray | float) -> np.ndarray | int:
    """Present_Velocity units for a joint velocity in rad/s (rounded)."""
    units = np.rint(np.asarray(rad_s, dtype=np.float64) / RAD_S_PER_VELOCITY_UNIT)
    return units.astype(np.int64) if np.ndim(units) else int(units)
