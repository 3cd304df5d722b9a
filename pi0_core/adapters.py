"""Joint conventions: ALOHA's own, or the one π0 was pretrained in (switched by policy.json).

Constants are ALOHA/Interbotix facts: puppet gripper travel, gripper linkage sizes, and the
encoder range π0's gripper values were normalised over.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recordings import layout

# Sign of each of the 14 joints in π0's convention relative to ALOHA's.
JOINT_FLIP = np.array([1, -1, -1, 1, 1, 1, 1] * 2, dtype=np.float32)
GRIPPERS = list(layout.GRIPPER_COLUMNS)  # ALOHA order: (left, right)
GRIPPER_LINEAR_RANGE = (0.01844, 0.05800)  # puppet gripper closed/open, metres
GRIPPER_ARM_LENGTH = 0.036  # Interbotix gripper linkage, metres
GRIPPER_HORN_RADIUS = 0.022
PI_GRIPPER_ANGLE_RANGE = (0.5476, 1.6296)  # radians, encoder counts 2405..3110
ALOHA_GRIPPER_JOINT_RANGE = (-0.6213, 1.4910)  # puppet gripper joint closed/open, radians


def _to_unit(x: np.ndarray, low: float, high: float) -> np.ndarray:
    return (x - low) / (high - low)


def _from_unit(x: np.ndarray, low: float, high: float) -> np.ndarray:
    return x * (high - low) + low


def _gripper_state_to_pi(value: np.ndarray) -> np.ndarray:
    """ALOHA's normalised linear gripper position -> π0's normalised gripper angle."""
    linear = _from_unit(value, *GRIPPER_LINEAR_RANGE)
    r, arm = GRIPPER_HORN_RADIUS, GRIPPER_ARM_LENGTH
    angle = np.arcsin(np.clip((r**2 + linear**2 - arm**2) / (2 * r * linear), -1.0, 1.0))
    return _to_unit(angle, *PI_GRIPPER_ANGLE_RANGE)


class IdentityAdapter:
    """Data already in the checkpoint's convention."""

    def observation(self, obs: dict) -> dict:
        """The observation unchanged."""
        return obs

    def actions(self, actions: np.ndarray) -> np.ndarray:
        """(..., 14) actions unchanged."""
        return actions

    def training_actions(self, actions: np.ndarray) -> np.ndarray:
        """Recorded actions in the model's convention (unchanged)."""
        return actions


@dataclass(frozen=True)
class AlohaAdapter(IdentityAdapter):
    """ALOHA joints and grippers in and out of the original π0 convention."""

    def observation(self, obs: dict) -> dict:
        """Flip joint signs and turn gripper positions into π0's gripper angles."""
        state = JOINT_FLIP * np.asarray(obs["state"], dtype=np.float32)
        state[GRIPPERS] = _gripper_state_to_pi(state[GRIPPERS])
        return {**obs, "state": state}

    def actions(self, actions: np.ndarray) -> np.ndarray:
        """(..., 14) π0 actions -> ALOHA joint targets with normalised grippers."""
        out = JOINT_FLIP * np.asarray(actions, dtype=np.float32)
        grip = out[..., GRIPPERS] + PI_GRIPPER_ANGLE_RANGE[0]
        out[..., GRIPPERS] = _to_unit(grip, *ALOHA_GRIPPER_JOINT_RANGE)
        return out

    def training_actions(self, actions: np.ndarray) -> np.ndarray:
        """Inverse of `actions`: recorded ALOHA actions -> π0's convention."""
        out = JOINT_FLIP * np.asarray(actions, dtype=np.float32)
        grip = _from_unit(out[..., GRIPPERS], *ALOHA_GRIPPER_JOINT_RANGE)
        out[..., GRIPPERS] = grip - PI_GRIPPER_ANGLE_RANGE[0]
        return out


def make_adapter(name: str | None) -> IdentityAdapter:
    """The adapter named in policy.json (None: identity)."""
    if name is None:
        return IdentityAdapter()
    if name == "aloha":
        return AlohaAdapter()
    raise ValueError(f"unknown adapter {name!r}; known: aloha")
