"""The simulated ALOHA: two ViperX arms under joint-position control at 50 Hz, and a task."""

from __future__ import annotations

import threading

import mujoco
import numpy as np

from drivers.arm import ARM_DOF
from drivers.robot import SIDES
from drivers.sim.drawing import SceneDrawer
from drivers.sim.gripper import finger_from_normalised, normalised_from_finger, normalised_velocity
from drivers.sim.scenes import load_model
from drivers.sim.tasks import Task, get_task

CONTROL_PERIOD = 0.02  # seconds per control step (50 Hz), as in gym-aloha
ARM_JOINTS = ("waist", "shoulder", "elbow", "forearm_roll", "wrist_angle", "wrist_rotate")
# gym-aloha's start pose of each arm; fingers slightly open (finger slide 0.02239 m).
START_ARM_POSE = np.array([0.0, -0.96, 1.16, 0.0, -0.3, 0.0])
START_FINGER = 0.02239
# Our camera names -> the cameras of gym-aloha's scenes.
CAMERAS = {
    "cam_high": "top",
    "cam_low": "angle",
    "cam_left_wrist": "left_wrist",
    "cam_right_wrist": "right_wrist",
}


class AlohaSim:
    """One MuJoCo world of a task. Steps physics without rendering; renders only on request."""

    def __init__(self, task: str | Task = "transfer_cube", seed: int = 0) -> None:
        self.task = get_task(task) if isinstance(task, str) else task
        self.model = load_model(self.task.name)
        self.data = mujoco.MjData(self.model)
        self._drawer = SceneDrawer(self.task.name)  # renders only when an image is asked for
        self.lock = threading.RLock()  # held while stepping or reading data
        self.substeps = round(CONTROL_PERIOD / self.model.opt.timestep)
        self._index_joints()
        self._geom_names = [self.model.geom(i).name for i in range(self.model.ngeom)]
        self.seed = seed
        self.prompt = ""
        self.target_color: str | None = None
        self.prompt_problem: str | None = None  # why the followed prompt cannot be judged
        self._followed: str | None = None  # the prompt success is judged for (None: the scene's)
        self.steps = 0
        self.object_joints: tuple[str, ...] = ()  # free joints of the task's objects
        self._object_qpos: list[int] = []  # their first qpos addresses, in that order
        self.reset(seed)

    def _index_joints(self) -> None:
        """Addresses of the 6 arm joints and the finger slides of each side, in ALOHA order."""
        model = self.model
        arm = [model.joint(f"vx300s_{s}/{j}") for s in SIDES for j in ARM_JOINTS]
        fingers = [model.joint(f"vx300s_{s}/left_finger") for s in SIDES]
        self.arm_qpos = np.array([j.qposadr[0] for j in arm])  # (12,)
        self.arm_dof = np.array([j.dofadr[0] for j in arm])  # (12,)
        self.finger_qpos = np.array([j.qposadr[0] for j in fingers])  # (2,)
        self.finger_dof = np.array([j.dofadr[0] for j in fingers])  # (2,)
        actuator_of_joint = {int(model.actuator_trnid[a, 0]): a for a in range(model.nu)}
        self._arm_ctrl = np.array([actuator_of_joint[j.id] for j in arm])
        mirror = [model.joint(f"vx300s_{s}/right_finger") for s in SIDES]
        self._finger_ctrl = np.array([actuator_of_joint[j.id] for j in fingers])
        self._mirror_ctrl = np.array([actuator_of_joint[j.id] for j in mirror])
        self._mirror_qpos = np.array([j.qposadr[0] for j in mirror])
        self._arm_range = model.jnt_range[[j.id for j in arm]].copy()  # (12, 2)
        self._servo_gains = model.actuator_gainprm[:, 0].copy()  # kp of every position servo

    # ------------------------------------------------------------------ episode
    def reset(self, seed: int | None = None) -> None:
        """Start pose, and object poses drawn from `seed` (the same seed, the same poses)."""
        self.seed = self.seed if seed is None else int(seed)
        layout = self.task.sample_layout(np.random.default_rng(self.seed))
        with self.lock:
            mujoco.mj_resetData(self.model, self.data)
            for side in SIDES:
                self.set_torque(side, True)
            for side in range(2):
                self.data.qpos[self.arm_qpos[side * 6 : side * 6 + 6]] = START_ARM_POSE
            self.data.qpos[self.finger_qpos] = START_FINGER
            self.data.qpos[self._mirror_qpos] = -START_FINGER
            self.object_joints = tuple(layout.poses)
            self._object_qpos = [int(self.model.joint(j).qposadr[0]) for j in self.object_joints]
            for address, pose in zip(self._object_qpos, layout.poses.values(), strict=True):
                self.data.qpos[address : address + 7] = pose
            self.set_action(self.start_action())
            mujoco.mj_forward(self.model, self.data)
            self.steps = 0
        self.target_color = layout.target_color
        self.prompt = self.task.prompts_for(layout.target_color)[0]
        self.follow_prompt(self._followed)

    def follow_prompt(self, prompt: str | None) -> None:
        """Judge success (and script the expert) for the object `prompt` names, from now and
        after every reset; None goes back to the scene's own prompt. A prompt that names no
        object of the task sets `prompt_problem`, and success cannot hold."""
        self._followed = prompt
        self.prompt_problem = None if prompt is None else self.task.prompt_problem(prompt)
        if prompt is None or not self.task.colors:
            return
        named = self.task.colors_named(prompt)
        if self.prompt_problem is None:
            self.target_color = named[0]

    @staticmethod
    def start_action() -> np.ndarray:
        """The 14-dim action that holds the start pose."""
        arm = np.append(START_ARM_POSE, normalised_from_finger(START_FINGER))
        return np.concatenate([arm, arm]).astype(np.float32)

    def set_action(self, action: np.ndarray) -> None:
        """Joint targets (14,): radians, grippers normalised 0 closed .. 1 open."""
        action = np.asarray(action, dtype=np.float64)
        if action.shape != (2 * ARM_DOF,):
            raise ValueError(f"action must have shape (14,), got {action.shape}")
        with self.lock:
            for index, side in enumerate(SIDES):
                self.set_side_action(side, action[index * ARM_DOF : (index + 1) * ARM_DOF])

    def set_side_action(self, side: str, action: np.ndarray) -> None:
        """Joint targets (7,) of one arm: six joints (radians), gripper 0..1."""
        action = np.asarray(action, dtype=np.float64)
        if action.shape != (ARM_DOF,):
            raise ValueError(f"an arm action must have shape (7,), got {action.shape}")
        index = SIDES.index(side)
        finger = finger_from_normalised(action[6])
        with self.lock:
            self.data.ctrl[self._arm_ctrl[index * 6 : index * 6 + 6]] = action[:6]
            self.data.ctrl[self._finger_ctrl[index]] = finger
            self.data.ctrl[self._mirror_ctrl[index]] = -finger

    def set_torque(self, side: str, enabled: bool) -> None:
        """Servos of one arm on, or off (the arm goes limp under gravity)."""
        index = SIDES.index(side)
        actuators = [
            *self._arm_ctrl[index * 6 : index * 6 + 6],
            self._finger_ctrl[index],
            self._mirror_ctrl[index],
        ]
        with self.lock:
            # A position servo is force = kp * ctrl - kp * qpos: zero kp makes it slack.
            gain = self._servo_gains[actuators] if enabled else 0.0
            self.model.actuator_gainprm[actuators, 0] = gain
            self.model.actuator_biasprm[actuators, 1] = -gain

    def step(self) -> None:
        """Advance the world by one control period (0.02 s); never renders."""
        with self.lock:
            mujoco.mj_step(self.model, self.data, nstep=self.substeps)
            self.steps += 1

    @property
    def time(self) -> float:
        """Simulated seconds since the reset."""
        return float(self.data.time)

    # ------------------------------------------------------------------ readings
    def qpos(self) -> np.ndarray:
        """Joint positions (14,) float32 in ALOHA order, grippers normalised."""
        with self.lock:
            arm = self.data.qpos[self.arm_qpos]
            grippers = normalised_from_finger(self.data.qpos[self.finger_qpos])
        return _aloha_order(arm, grippers)

    def qvel(self) -> np.ndarray:
        """Joint velocities (14,) float32; grippers in normalised units per second."""
        with self.lock:
            arm = self.data.qvel[self.arm_dof]
            grippers = normalised_velocity(self.data.qvel[self.finger_dof])
        return _aloha_order(arm, grippers)

    def effort(self) -> np.ndarray:
        """Actuator forces (14,) float32 (N·m for joints, N for the grippers)."""
        with self.lock:
            arm = self.data.actuator_force[self._arm_ctrl]
            grippers = self.data.actuator_force[self._finger_ctrl]
        return _aloha_order(arm, grippers)

    def joint_limits(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper limits (14,) of the joints; grippers 0..1."""
        lo = _aloha_order(self._arm_range[:, 0], np.zeros(2))
        hi = _aloha_order(self._arm_range[:, 1], np.ones(2))
        return lo, hi

    def body_position(self, body: str) -> np.ndarray:
        """World position (3,) of a body's origin."""
        with self.lock:
            return self.data.body(body).xpos.copy()

    def body_rotation(self, body: str) -> np.ndarray:
        """World orientation (3, 3) of a body's frame."""
        with self.lock:
            return self.data.body(body).xmat.reshape(3, 3).copy()

    def body_height(self, body: str) -> float:
        """World z of a body's origin (the table top is at 0)."""
        return float(self.body_position(body)[2])

    def object_poses(self) -> np.ndarray:
        """(objects, 7) free-joint poses (x, y, z, qw, qx, qy, qz) in `object_joints` order."""
        with self.lock:
            return np.stack([self.data.qpos[a : a + 7] for a in self._object_qpos]).astype(
                np.float32
            )

    def contacts(self) -> set[frozenset[str]]:
        """Pairs of geom names touching now."""
        with self.lock:
            pairs = self.data.contact.geom[: self.data.ncon].copy()
        names = self._geom_names
        return {frozenset((names[a], names[b])) for a, b in pairs}

    def success(self) -> bool:
        """Whether the task's success rule holds now (never for a prompt naming no object)."""
        if self.prompt_problem is not None:
            return False
        with self.lock:
            return bool(self.task.is_success(self))

    def stage(self) -> int:
        """The highest of the task's milestones before success holding now (0: none)."""
        if self.prompt_problem is not None:
            return 0
        with self.lock:
            return int(self.task.stage(self))

    # ------------------------------------------------------------------ state for replay
    def get_state(self) -> np.ndarray:
        """The full physics state, to come back to it exactly with `set_state`."""
        with self.lock:
            size = mujoco.mj_stateSize(self.model, mujoco.mjtState.mjSTATE_INTEGRATION)
            state = np.empty(size)
            mujoco.mj_getState(self.model, self.data, state, mujoco.mjtState.mjSTATE_INTEGRATION)
        return state

    def set_state(self, state: np.ndarray) -> None:
        """Restore a state from `get_state` (positions, velocities, controls, time)."""
        with self.lock:
            mujoco.mj_setState(self.model, self.data, state, mujoco.mjtState.mjSTATE_INTEGRATION)
            mujoco.mj_forward(self.model, self.data)

    # ------------------------------------------------------------------ rendering
    def render(self, camera: str, height: int, width: int) -> np.ndarray:
        """An RGB image (H, W, 3) uint8 from one of CAMERAS."""
        if camera not in CAMERAS:
            raise ValueError(f"unknown camera {camera!r}; known: {', '.join(CAMERAS)}")
        return self._drawer.draw(self.data, CAMERAS[camera], int(height), int(width), self.lock)

    def release_renderers(self) -> None:
        """Free the calling thread's renderers (their GL contexts belong to it)."""
        self._drawer.release()

    def close(self) -> None:
        """Free what the simulator holds outside Python (the renderers of this thread)."""
        self.release_renderers()

    def __enter__(self) -> AlohaSim:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _aloha_order(arm: np.ndarray, grippers: np.ndarray) -> np.ndarray:
    """(12,) arm joints + (2,) grippers -> (14,) left 6, left gripper, right 6, right gripper."""
    return np.concatenate([arm[:6], grippers[:1], arm[6:], grippers[1:]]).astype(np.float32)
