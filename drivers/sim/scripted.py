"""Scripted experts: end-effector waypoints per task, turned into joint targets by IK."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from drivers.robot import SIDES
from drivers.sim.ik import ArmIK, gripper_rotation
from drivers.sim.waypoints import Waypoint, pose_at
from drivers.sim.world import START_ARM_POSE, AlohaSim

# Gripper frames used by the scripts (x = approach direction, y = finger slide axis).
DOWN = gripper_rotation([0, 0, -1], [0, 1, 0])  # pointing at the table, fingers close along y
TO_LEFT = gripper_rotation([-1, 0, 0], [0, 1, 0])  # right arm, pointing across the table
TO_RIGHT_VERTICAL = gripper_rotation([1, 0, 0], [0, 0, 1])  # left arm, fingers close along z
OPEN, CLOSED = 1.0, 0.0
MEET = np.array([0.0, 0.5, 0.25])  # where the cube changes hands in transfer_cube


def make_demonstrator(sim: AlohaSim) -> Callable[[int], np.ndarray]:
    """The scripted expert of `sim`'s task from its present (just reset) state: step -> (14,)."""
    planners = {
        "transfer_cube": _transfer_cube,
        "pick_color": _pick_color,
    }
    if sim.task.name not in planners:
        raise ValueError(f"no scripted demonstrator for task {sim.task.name!r}")
    left, right = planners[sim.task.name](sim)
    trajectory = _joint_trajectory(sim, {"left": left, "right": right}, sim.task.episode_steps)

    def demonstrator(step: int) -> np.ndarray:
        return trajectory[min(max(step, 0), len(trajectory) - 1)]

    return demonstrator


def _joint_trajectory(sim: AlohaSim, plans: dict[str, list[Waypoint]], steps: int) -> np.ndarray:
    """Joint targets (steps, 14): IK at every step, each solve starting from the previous one."""
    trajectory = np.zeros((steps, 14), dtype=np.float32)
    for index, side in enumerate(SIDES):
        ik = ArmIK(sim.model, side)
        waypoints = _align_fingers(plans[side])
        q = START_ARM_POSE.copy()
        for t in range(steps):
            pose = pose_at(waypoints, t)
            q = ik.solve(q, pose.position, pose.rotation)
            trajectory[t, index * 7 : index * 7 + 6] = q
            trajectory[t, index * 7 + 6] = pose.gripper
    return trajectory


def _align_fingers(waypoints: list[Waypoint]) -> list[Waypoint]:
    """Turn each frame half a turn about its approach where that keeps the fingers closest to
    the previous waypoint's: the two fingers are alike, and the wrist should not spin."""
    aligned = [waypoints[0]]
    for waypoint in waypoints[1:]:
        rotation = waypoint.rotation
        if rotation[:, 1] @ aligned[-1].rotation[:, 1] < 0:
            rotation = rotation * np.array([1.0, -1.0, -1.0])
        aligned.append(Waypoint(waypoint.t, waypoint.position, rotation, waypoint.gripper))
    return aligned


def _start(sim: AlohaSim, side: str) -> Waypoint:
    position, rotation = ArmIK(sim.model, side).forward(START_ARM_POSE)
    return Waypoint(0, position, rotation, sim.start_action()[6])


def _transfer_cube(sim: AlohaSim) -> tuple[list[Waypoint], list[Waypoint]]:
    """Right picks the cube from above, turns it towards the left, which takes the other half."""
    cube = sim.body_position("box")
    grasp = cube + [0.0, 0.0, 0.005]  # fingertips 5 mm above the centre: 1.5 cm of grip
    # Once turned to point left, the right fingertips sit 5 mm to the +x side of the centre.
    right_at_meet = MEET + [0.005, 0.0, 0.0]
    left_at_meet = MEET + [0.001, 0.0, 0.0]
    right = [
        _start(sim, "right"),
        Waypoint(60, grasp + [0, 0, 0.10], DOWN, OPEN),
        Waypoint(100, grasp, DOWN, OPEN),
        Waypoint(120, grasp, DOWN, CLOSED),
        Waypoint(140, grasp, DOWN, CLOSED),
        Waypoint(210, right_at_meet, TO_LEFT, CLOSED),
        Waypoint(300, right_at_meet, TO_LEFT, CLOSED),
        Waypoint(320, right_at_meet, TO_LEFT, OPEN),
        Waypoint(360, right_at_meet + [0.10, 0, 0], TO_LEFT, OPEN),
    ]
    left = [
        _start(sim, "left"),
        Waypoint(120, MEET + [-0.12, 0, 0], TO_RIGHT_VERTICAL, OPEN),
        Waypoint(220, MEET + [-0.12, 0, 0], TO_RIGHT_VERTICAL, OPEN),
        Waypoint(260, left_at_meet, TO_RIGHT_VERTICAL, OPEN),
        Waypoint(280, left_at_meet, TO_RIGHT_VERTICAL, CLOSED),
        Waypoint(330, left_at_meet, TO_RIGHT_VERTICAL, CLOSED),
        Waypoint(380, left_at_meet + [-0.05, 0, 0], TO_RIGHT_VERTICAL, CLOSED),
    ]
    return left, right


def _pick_color(sim: AlohaSim) -> tuple[list[Waypoint], list[Waypoint]]:
    """Right picks the named cube from above and lifts it 10 cm; the left arm stays put."""
    cube = sim.body_position(f"{sim.target_color}_cube")
    grasp = cube + [0.0, 0.0, 0.005]
    right = [
        _start(sim, "right"),
        Waypoint(60, grasp + [0, 0, 0.10], DOWN, OPEN),
        Waypoint(100, grasp, DOWN, OPEN),
        Waypoint(120, grasp, DOWN, CLOSED),
        Waypoint(140, grasp, DOWN, CLOSED),
        Waypoint(200, grasp + [0, 0, 0.12], DOWN, CLOSED),
    ]
    return [_start(sim, "left")], right
