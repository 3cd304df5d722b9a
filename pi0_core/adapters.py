"""Joint conventions: how the robot's state and actions map to the ones a network was trained in.

A small registry (CONVENTIONS): `identity`; `openpi_aloha`, openpi's ALOHA adapter
(`aloha_policy.py`, adapt_to_pi): joint sign flips and gripper conversions both ways;
`openpi_aloha_delta`, the same plus delta joint actions (the 12 arm joints relative to the
state, grippers absolute), as openpi's ALOHA fine-tunes are trained. Constants are
ALOHA/Interbotix facts: puppet gripper travel, gripper linkage sizes, and the encoder range
π0's gripper values were normalised over.
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
DELTA_MASK = np.array([True] * 6 + [False] + [True] * 6 + [False])  # arm joints delta, grippers not
# openpi's camera roles: cam_high is the base image, the wrists are wrists, cam_low is unused.
ALOHA_CAMERAS = ("cam_high", "cam_left_wrist", "cam_right_wrist")


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


@dataclass(frozen=True)
class IdentityAdapter:
    """Data already in the checkpoint's convention."""

    name = "identity"
    cameras: tuple[str, ...] | None = None  # the model's camera order, when the convention fixes it
    joints: int | None = None  # state/action width, when the convention fixes it

    def observation(self, obs: dict) -> dict:
        """The observation unchanged."""
        return obs

    def actions(self, actions: np.ndarray, state: np.ndarray | None = None) -> np.ndarray:
        """(..., D) actions unchanged; `state` is the model-side state they were predicted from."""
        return actions

    def training_actions(self, actions: np.ndarray, state: np.ndarray | None = None) -> np.ndarray:
        """Recorded actions in the model's convention (unchanged)."""
        return actions


@dataclass(frozen=True)
class AlohaAdapter(IdentityAdapter):
    """ALOHA joints and grippers in and out of the original π0 convention (openpi's adapter)."""

    cameras: tuple[str, ...] | None = ALOHA_CAMERAS
    joints: int | None = len(JOINT_FLIP)  # 14: two arms of 6 joints and a gripper
    delta: bool = False  # the network predicts the arm joints relative to the state

    @property
    def name(self) -> str:  # type: ignore[override]
        """Registry name."""
        return "openpi_aloha_delta" if self.delta else "openpi_aloha"

    def observation(self, obs: dict) -> dict:
        """Flip joint signs and turn gripper positions into π0's gripper angles."""
        state = JOINT_FLIP * np.asarray(obs["state"], dtype=np.float32)
        state[GRIPPERS] = _gripper_state_to_pi(state[GRIPPERS])
        return {**obs, "state": state}

    def actions(self, actions: np.ndarray, state: np.ndarray | None = None) -> np.ndarray:
        """(..., 14) π0 actions -> ALOHA joint targets with normalised grippers.

        With `delta`, the (model-side) state is added back to the arm joints first, as openpi's
        AbsoluteActions does before its ALOHA outputs.
        """
        out = np.array(actions, dtype=np.float32)
        if self.delta:
            out = out + np.where(DELTA_MASK, self._state(state), 0.0)[..., None, :]
        out = JOINT_FLIP * out
        grip = out[..., GRIPPERS] + PI_GRIPPER_ANGLE_RANGE[0]
        out[..., GRIPPERS] = _to_unit(grip, *ALOHA_GRIPPER_JOINT_RANGE)
        return out

    def training_actions(self, actions: np.ndarray, state: np.ndarray | None = None) -> np.ndarray:
        """Inverse of `actions`: recorded ALOHA actions -> π0's convention (minus the model-side
        state on the arm joints with `delta`)."""
        out = JOINT_FLIP * np.asarray(actions, dtype=np.float32)
        grip = _from_unit(out[..., GRIPPERS], *ALOHA_GRIPPER_JOINT_RANGE)
        out[..., GRIPPERS] = grip - PI_GRIPPER_ANGLE_RANGE[0]
        if self.delta:
            out = out - np.where(DELTA_MASK, self._state(state), 0.0)[..., None, :]
        return out

    def _state(self, state: np.ndarray | None) -> np.ndarray:
        if state is None:
            raise ValueError(f"the {self.name} convention needs the state the actions belong to")
        return np.asarray(state, dtype=np.float32)[..., : len(DELTA_MASK)]


CONVENTIONS: dict[str, IdentityAdapter] = {
    "identity": IdentityAdapter(),
    "openpi_aloha": AlohaAdapter(),
    "openpi_aloha_delta": AlohaAdapter(delta=True),
}
LEGACY_NAMES = {None: "identity", "aloha": "openpi_aloha"}  # policy.json files of earlier versions


def convention_name(name: str | None) -> str:
    """The registry name for `name` (earlier spellings accepted); an unknown one lists the known."""
    name = LEGACY_NAMES.get(name, name)
    if name not in CONVENTIONS:
        known = ", ".join(CONVENTIONS)
        raise ValueError(f"unknown convention {name!r}; known conventions: {known}")
    return name


def make_adapter(name: str | None) -> IdentityAdapter:
    """The convention named in policy.json or given with --convention (None: identity)."""
    return CONVENTIONS[convention_name(name)]
