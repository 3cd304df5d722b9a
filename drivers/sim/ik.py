"""Inverse kinematics of one ViperX arm: damped least squares on MuJoCo Jacobians."""

from __future__ import annotations

import mujoco
import numpy as np

# The point between the fingertips, in the gripper_link frame (fingers span x 0.064..0.154).
FINGERTIP_OFFSET = np.array([0.150, 0.0, 0.0])
_ARM_JOINTS = ("waist", "shoulder", "elbow", "forearm_roll", "wrist_angle", "wrist_rotate")
_ORIENTATION_WEIGHT = 0.3  # metres per radian: trades position against orientation error
_DAMPING = 1e-2
_MAX_STEP = 0.2  # radians per iteration: small steps keep far targets from jumping branches
# A weak pull of forearm_roll towards 0. With the wrist straight, forearm roll and wrist rotate
# turn about one axis; without this, the solver may roll the forearm half a turn and flip the
# wrist, and later whip back through the singularity.
_SETTLED = 1e-5  # radians: a step this small means the solver has converged
_POSTURE_WEIGHT = np.array([0.0, 0.0, 0.0, 0.05, 0.0, 0.0]) ** 2


def gripper_rotation(approach: np.ndarray, fingers: np.ndarray) -> np.ndarray:
    """Gripper frame (3, 3) in world: x along `approach`, y (finger slide) close to `fingers`."""
    x = np.asarray(approach, dtype=float)
    x = x / np.linalg.norm(x)
    y = np.asarray(fingers, dtype=float)
    y = y - x * (x @ y)
    y = y / np.linalg.norm(y)
    return np.column_stack([x, y, np.cross(x, y)])


class ArmIK:
    """Joint angles (6,) of one arm that put its fingertips at a pose; model kinematics only."""

    def __init__(self, model: mujoco.MjModel, side: str) -> None:
        self.model = model
        self.data = mujoco.MjData(model)  # a scratch copy: solving never touches the world
        joints = [model.joint(f"vx300s_{side}/{name}") for name in _ARM_JOINTS]
        self.qpos_adr = np.array([j.qposadr[0] for j in joints])
        self.dof_adr = np.array([j.dofadr[0] for j in joints])
        self.lo, self.hi = model.jnt_range[[j.id for j in joints]].T
        self.body = model.body(f"vx300s_{side}/gripper_link").id
        self._jacp = np.zeros((3, model.nv))
        self._jacr = np.zeros((3, model.nv))

    def forward(self, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Fingertip position (3,) and gripper rotation (3, 3) at joint angles `q`."""
        self.data.qpos[self.qpos_adr] = q
        mujoco.mj_kinematics(self.model, self.data)
        rotation = self.data.xmat[self.body].reshape(3, 3)
        return self.data.xpos[self.body] + rotation @ FINGERTIP_OFFSET, rotation.copy()

    def solve(
        self,
        q_start: np.ndarray,
        position: np.ndarray,
        rotation: np.ndarray,
        iterations: int = 60,
        tolerance: float = 3e-4,
    ) -> np.ndarray:
        """Joint angles near `q_start` reaching the fingertip `position` and gripper `rotation`.

        The two fingers are alike, so the finger axis may be met either way round: the one
        closer to the arm's present orientation is taken.
        """
        q = np.array(q_start, dtype=float)
        _, current = self.forward(q)
        if current[:, 1] @ rotation[:, 1] < 0:
            rotation = rotation * np.array([1.0, -1.0, -1.0])  # half a turn about the approach
        for _ in range(iterations):
            tip, current = self.forward(q)
            error = np.concatenate(
                [position - tip, _ORIENTATION_WEIGHT * _rotation_error(current, rotation)]
            )
            if np.linalg.norm(error) < tolerance:
                break
            step = self._step(q, tip, error)
            q = np.clip(q + step, self.lo, self.hi)
            if np.abs(step).max() < _SETTLED:  # the posture term can leave a tiny fixed error
                break
        return q

    def _step(self, q: np.ndarray, tip: np.ndarray, error: np.ndarray) -> np.ndarray:
        """Damped least squares with the posture term: argmin |J dq - e|^2 + damping + posture."""
        mujoco.mj_comPos(self.model, self.data)
        mujoco.mj_jac(self.model, self.data, self._jacp, self._jacr, tip, self.body)
        jacobian = np.vstack(
            [self._jacp[:, self.dof_adr], _ORIENTATION_WEIGHT * self._jacr[:, self.dof_adr]]
        )  # (6, 6)
        normal = jacobian.T @ jacobian + np.diag(_DAMPING**2 + _POSTURE_WEIGHT)
        step = np.linalg.solve(normal, jacobian.T @ error - _POSTURE_WEIGHT * q)
        return step * min(1.0, _MAX_STEP / max(np.abs(step).max(), 1e-12))


def _rotation_error(current: np.ndarray, target: np.ndarray) -> np.ndarray:
    """World-frame rotation vector (3,) that turns `current` towards `target`.

    Half the sum of the cross products of matching axes, written out (np.cross is slow).
    """
    m = target @ current.T
    return 0.5 * np.array([m[2, 1] - m[1, 2], m[0, 2] - m[2, 0], m[1, 0] - m[0, 1]])
