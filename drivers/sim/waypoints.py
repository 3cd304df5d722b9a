"""End-effector waypoints of a scripted gripper and their smooth interpolation in time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import mujoco
import numpy as np


@dataclass(frozen=True)
class Waypoint:
    """Where one gripper should be at control step `t`."""

    t: int  # control step (50 Hz)
    position: np.ndarray  # (3,) fingertip centre in world metres
    rotation: np.ndarray  # (3, 3) gripper frame in world (x = approach, y = finger slide)
    gripper: float  # normalised opening: 0 closed .. 1 open


def pose_at(waypoints: Sequence[Waypoint], t: float) -> Waypoint:
    """The pose at step `t`: eased between the two waypoints around it, held past the ends."""
    if t <= waypoints[0].t:
        return waypoints[0]
    for before, after in zip(waypoints, waypoints[1:], strict=False):
        if t <= after.t:
            u = (t - before.t) / max(after.t - before.t, 1)
            eased = u * u * (3.0 - 2.0 * u)  # zero speed at both waypoints
            return Waypoint(
                t=int(t),
                position=before.position + eased * (after.position - before.position),
                rotation=_slerp(before.rotation, after.rotation, eased),
                gripper=before.gripper + u * (after.gripper - before.gripper),
            )
    return waypoints[-1]


def _slerp(a: np.ndarray, b: np.ndarray, u: float) -> np.ndarray:
    """Rotation (3, 3) a fraction `u` of the way from `a` to `b` along the shortest arc."""
    qa, qb = _quat(a), _quat(b)
    if qa @ qb < 0:
        qb = -qb
    angle = np.arccos(np.clip(qa @ qb, -1.0, 1.0))
    if angle < 1e-6:
        q = qa
    else:
        q = (np.sin((1 - u) * angle) * qa + np.sin(u * angle) * qb) / np.sin(angle)
    matrix = np.zeros(9)
    mujoco.mju_quat2Mat(matrix, q / np.linalg.norm(q))
    return matrix.reshape(3, 3)


def _quat(rotation: np.ndarray) -> np.ndarray:
    quat = np.zeros(4)
    mujoco.mju_mat2Quat(quat, np.ascontiguousarray(rotation, dtype=float).reshape(9))
    return quat
