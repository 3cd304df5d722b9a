"""ALOHA's normalised gripper (0 closed .. 1 open) <-> the simulated finger slide position."""

from __future__ import annotations

import numpy as np

# Finger slide positions (metres) of the ViperX follower, as in gym-aloha's constants.
FINGER_CLOSED = 0.01844
FINGER_OPEN = 0.05800
FINGER_SPAN = FINGER_OPEN - FINGER_CLOSED


def finger_from_normalised(value: float | np.ndarray) -> float | np.ndarray:
    """Finger slide position (m) for a normalised gripper command."""
    return value * FINGER_SPAN + FINGER_CLOSED


def normalised_from_finger(position: float | np.ndarray) -> float | np.ndarray:
    """Normalised gripper opening for a finger slide position (m)."""
    return (position - FINGER_CLOSED) / FINGER_SPAN


def normalised_velocity(velocity: float | np.ndarray) -> float | np.ndarray:
    """Normalised gripper velocity (1/s) for a finger slide velocity (m/s)."""
    return velocity / FINGER_SPAN
