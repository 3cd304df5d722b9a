"""Scripted experts: end-effector waypoints per task, turned into joint targets by IK.

A script is a list of phases. At its first step each phase plans waypoints for the rest of
the episode from the live simulator state (where the objects really are now), so a grasp
that came out a little off is followed rather than ignored. Between waypoints each arm is
servoed in Cartesian space: the fingertip error left by gravity sag under the soft wrist
servos is integrated into the IK target.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from drivers.robot import SIDES
from drivers.sim.ik import ArmIK
from drivers.sim.scripts import SCRIPTS, Planner
from drivers.sim.waypoints import Waypoint, pose_at
from drivers.sim.world import START_ARM_POSE, AlohaSim

_SAG_GAIN = 0.1  # fraction of the fingertip error added to the IK target each step
_SAG_LIMIT = 0.03  # metres: the correction never moves a target further than this


def make_demonstrator(sim: AlohaSim) -> Callable[[int], np.ndarray]:
    """The scripted expert of `sim`'s task: `step -> (14,)` joint targets.

    Build it right after `sim.reset()` and call it once per step, in order, before stepping.
    """
    if sim.task.name not in SCRIPTS:
        raise ValueError(f"no scripted demonstrator for task {sim.task.name!r}")
    return Demonstrator(sim, SCRIPTS[sim.task.name])


class Demonstrator:
    """Follows a task script on a live simulator; deterministic for a given seed."""

    def __init__(self, sim: AlohaSim, phases: dict[int, Planner]) -> None:
        self.sim = sim
        self.phases = phases
        self.iks = {side: ArmIK(sim.model, side) for side in SIDES}
        self.q = {side: START_ARM_POSE.copy() for side in SIDES}
        self.offset = {side: np.zeros(3) for side in SIDES}
        self.plans: dict[str, list[Waypoint]] = {side: [self.start_pose(side)] for side in SIDES}
        self.commanded: dict[str, Waypoint] = {side: self.plans[side][0] for side in SIDES}

    def start_pose(self, side: str) -> Waypoint:
        """Where a gripper is in the start pose."""
        position, rotation = self.iks[side].forward(START_ARM_POSE)
        return Waypoint(0, position, rotation, float(self.sim.start_action()[6]))

    def __call__(self, step: int) -> np.ndarray:
        if step in self.phases:
            self._replan(step)
        action = np.zeros(14, dtype=np.float32)
        measured = self.sim.qpos()
        for index, side in enumerate(SIDES):
            pose = pose_at(self.plans[side], step)
            self._correct_sag(side, measured[index * 7 : index * 7 + 6])
            target = pose.position + self.offset[side]
            self.q[side] = self.iks[side].solve(self.q[side], target, pose.rotation)
            action[index * 7 : index * 7 + 6] = self.q[side]
            action[index * 7 + 6] = pose.gripper
            self.commanded[side] = Waypoint(step, pose.position, pose.rotation, pose.gripper)
        return action

    def _replan(self, step: int) -> None:
        for side, waypoints in self.phases[step](self.sim, self.commanded).items():
            now = self.commanded[side]
            start = Waypoint(step, now.position, now.rotation, now.gripper)
            self.plans[side] = _align_fingers([start, *waypoints])

    def _correct_sag(self, side: str, measured_q: np.ndarray) -> None:
        """Integrate the gap between where the fingertips were sent and where they are."""
        sent = self.commanded[side]
        tip, _ = self.iks[side].forward(measured_q)
        self.offset[side] = np.clip(
            self.offset[side] + _SAG_GAIN * (sent.position - tip), -_SAG_LIMIT, _SAG_LIMIT
        )


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
