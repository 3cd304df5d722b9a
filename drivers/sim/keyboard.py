"""End-effector teleoperation from keys: each press moves one gripper's target, IK gives joints.

Qt-free: the app forwards its key presses, the terminal command its characters; both call
`KeyboardTeleop.press`. Holding a key repeats it (auto-repeat), so the arm keeps moving.
"""

from __future__ import annotations

import threading

import numpy as np

from drivers.arm import ARM_DOF
from drivers.robot import SIDES
from drivers.sim.ik import ArmIK
from drivers.sim.world import START_ARM_POSE, AlohaSim

STEP_M = 0.01  # metres per press
TILT_RAD = 0.08  # radians per press, about the finger axis (tilts the approach down or up)
GRIPPER_STEP = 0.1  # normalised gripper travel per press
# key -> (x, y, z) move in the world frame: x across the table, y away from the front, z up
MOVES = {
    "a": (-1, 0, 0),
    "d": (1, 0, 0),
    "w": (0, 1, 0),
    "s": (0, -1, 0),
    "r": (0, 0, 1),
    "f": (0, 0, -1),
}
TILTS = {"t": 1, "g": -1}  # tilt the approach down / up
GRIPPER = {"q": -1, "e": 1}  # close / open
SWITCH = ("\t", "1", "2")  # Tab swaps the arm; 1 = left, 2 = right
WORKSPACE_LO = np.array([-0.6, 0.05, 0.0])  # fingertip bounds, metres (the table top is z 0)
WORKSPACE_HI = np.array([0.6, 0.95, 0.6])
HELP = (
    "W/S away/towards, A/D left/right, R/F up/down, T/G tilt down/up, Q/E close/open the "
    "gripper, Tab (or 1/2) switches arm"
)


class KeyboardTeleop:
    """Two gripper targets moved by key presses; `joints()` solves them into 14 joint targets."""

    def __init__(self, sim: AlohaSim) -> None:
        self._iks = {side: ArmIK(sim.model, side) for side in SIDES}
        self._start_gripper = float(sim.start_action()[ARM_DOF - 1])
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Both grippers back at the start pose, the right arm selected."""
        with self._lock:
            self.arm = "right"
            self._q = {side: START_ARM_POSE.copy() for side in SIDES}
            poses = {side: self._iks[side].forward(START_ARM_POSE) for side in SIDES}
            self._position = {side: poses[side][0].copy() for side in SIDES}
            self._rotation = {side: poses[side][1].copy() for side in SIDES}
            self._gripper = dict.fromkeys(SIDES, self._start_gripper)
            self._solved = dict.fromkeys(SIDES, True)

    def press(self, key: str) -> bool:
        """Apply one key press (a character, case-insensitive); False when it is not a key here."""
        key = key if key == "\t" else key.lower()
        with self._lock:
            side = self.arm
            if key in SWITCH:
                self.arm = {"1": "left", "2": "right"}.get(key, SIDES[1 - SIDES.index(side)])
            elif key in MOVES:
                moved = self._position[side] + STEP_M * np.array(MOVES[key], dtype=float)
                self._position[side] = np.clip(moved, WORKSPACE_LO, WORKSPACE_HI)
            elif key in TILTS:
                self._rotation[side] = self._rotation[side] @ _about_y(TILTS[key] * TILT_RAD)
            elif key in GRIPPER:
                moved = self._gripper[side] + GRIPPER[key] * GRIPPER_STEP
                self._gripper[side] = float(np.clip(moved, 0.0, 1.0))
            else:
                return False
            self._solved[side] = False
            return True

    def joints(self) -> np.ndarray:
        """(14,) joint targets reaching both gripper targets (IK only where one moved)."""
        with self._lock:
            for side in SIDES:
                if not self._solved[side]:
                    ik = self._iks[side]
                    self._q[side] = ik.solve(
                        self._q[side], self._position[side], self._rotation[side]
                    )
                    self._solved[side] = True
            arms = [np.append(self._q[side], self._gripper[side]) for side in SIDES]
        return np.concatenate(arms).astype(np.float32)


def _about_y(angle: float) -> np.ndarray:
    """Rotation (3, 3) by `angle` about a frame's own y axis (the gripper's finger axis)."""
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])
