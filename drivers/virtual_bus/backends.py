"""What moves the virtual servos: ideal servos (static) or the simulated ALOHA (sim)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import numpy as np

from drivers.arm import ARM_DOF
from drivers.realtime import VIRTUAL_HARDWARE_RT_PRIORITY, set_thread_realtime
from drivers.virtual_bus.virtual_arm import VirtualArm

log = logging.getLogger(__name__)

CONTROL_PERIOD = 0.02  # 50 Hz, the simulator's control period
WAIT_FOR_COMMAND = 5.0  # periods a step waits for both followers' goals before it runs anyway
MIN_STEP = 0.5  # periods at least between two steps (commands bunched after a late tick)
FOLLOWERS = ("follower_left", "follower_right")
HOLD_STEPS = 50  # the leaders rest this long at the end of a demonstration before the next


class StaticBackend:
    """Ideal servos: a goal position is reached at once; leaders stay where they are put."""

    sim = None

    def __init__(self, arms: dict[str, VirtualArm]) -> None:
        self.arms = arms

    def start(self) -> None:
        """Make the followers follow their goals on every write."""
        for arm in self.arms.values():
            arm.chain.on_write = arm.follow_goals

    def stop(self) -> None:
        """Nothing runs in the background."""


class SimBackend:
    """The followers drive an `AlohaSim`, stepped at 50 Hz in its own thread; the leaders
    replay the task's scripted demonstration, so teleoperation works with no hands on them.

    A step follows the control loop's goals: it runs as soon as both followers have had a sync
    write since the last one (real servos act on a goal at once, not on the next beat of
    another 50 Hz clock), or after 5 periods without (a slow or idle loop). Every control
    period the loop commands is simulated: when this thread runs late (a busy CPU) and the
    next period's goals arrive before it stepped, it steps once for each, so the world's time
    keeps up with the loop's as a real robot's does. So a command sequence gets the same
    response as on the simulator robot, where the loop steps the physics after each send.
    """

    def __init__(self, arms: dict[str, VirtualArm], task: str, seed: int = 0) -> None:
        from drivers.sim.world import AlohaSim

        self.arms = arms
        self.sim = AlohaSim(task, seed)
        self.seed = seed
        self.step_index = 0
        self.steps_done = 0  # control periods simulated since start
        self._demonstrator: Callable[[int], np.ndarray] | None = None
        self._leader_target = self.sim.start_action().astype(np.float64)  # (14,) last target
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # guards reset against the stepping thread
        self._written: set[str] = set()  # followers sync-written since the last command
        self._commands = 0  # control periods commanded (both followers written), not stepped
        self._count_lock = threading.Lock()  # guards the two above (pty threads and this one)
        self._commanded = threading.Event()  # a period was commanded
        self._start_demo()
        self._publish(self.sim.qpos(), self.sim.qvel(), self.sim.effort())
        self._move_leaders(0)

    def start(self) -> None:
        """Start stepping the simulator in real time."""
        for role in FOLLOWERS:
            self.arms[role].chain.on_sync_write = lambda role=role: self._goal_written(role)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="virtual-aloha-sim", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the stepping thread. Safe to call twice."""
        self._stop.set()
        self._commanded.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None

    def reset(self, seed: int | None = None) -> None:
        """A new episode: objects re-drawn from `seed`, arms at the start pose, demo from 0."""
        with self._lock:
            self.seed = self.seed + 1 if seed is None else seed
            self.sim.reset(self.seed)
            self._start_demo()
            self.step_index = 0
            self._publish(self.sim.qpos(), self.sim.qvel(), self.sim.effort())  # read at once
            self._move_leaders(0)

    def _start_demo(self) -> None:
        from drivers.sim.scripted import make_demonstrator

        try:
            self._demonstrator = make_demonstrator(self.sim)
        except ValueError as exc:  # a task without a scripted expert: the leaders stay still
            log.info("leaders hold the start pose: %s", exc)
            self._demonstrator = None

    def _goal_written(self, role: str) -> None:
        # Called by the pty thread after each sync write to a follower (under its chain's lock).
        with self._count_lock:
            self._written.add(role)
            if len(self._written) == len(FOLLOWERS):
                self._written.clear()
                self._commands += 1
                self._commanded.set()

    def _take_commands(self) -> int:
        """Periods commanded since the last call: the steps to simulate now (1 when none)."""
        with self._count_lock:
            commands, self._commands = self._commands, 0
            self._commanded.clear()
        return max(1, commands)

    def _run(self) -> None:
        set_thread_realtime(VIRTUAL_HARDWARE_RT_PRIORITY)  # the world does not wait for the CPU
        last = time.monotonic()
        while not self._stop.is_set():
            self._commanded.wait(
                max(0.0, last + WAIT_FOR_COMMAND * CONTROL_PERIOD - time.monotonic())
            )
            self._stop.wait(max(0.0, last + MIN_STEP * CONTROL_PERIOD - time.monotonic()))
            if self._stop.is_set():
                break
            steps = self._take_commands()
            last = time.monotonic()
            try:
                for _ in range(steps):
                    self.tick()
            except Exception:  # keep the virtual robot alive; the log says what happened
                log.exception("virtual ALOHA simulation step failed")

    def tick(self) -> None:
        """One control period: follower goals in, physics step, present values out."""
        with self._lock:
            rest = self.sim.start_action()
            action = np.concatenate(
                [self.arms["follower_left"].commanded_joints(rest[:ARM_DOF]),
                 self.arms["follower_right"].commanded_joints(rest[ARM_DOF:])]
            )  # fmt: skip
            with self.sim.lock:
                self.sim.set_action(action)
                self.sim.step()
                qpos, qvel, effort = self.sim.qpos(), self.sim.qvel(), self.sim.effort()
            self._publish(qpos, qvel, effort)
            self.step_index += 1
            self.steps_done += 1
            if self.step_index >= self.sim.task.episode_steps + HOLD_STEPS:
                self.seed += 1
                self.sim.reset(self.seed)
                self._start_demo()
                self.step_index = 0
            self._move_leaders(self.step_index)

    def _publish(self, qpos: np.ndarray, qvel: np.ndarray, effort: np.ndarray) -> None:
        for index, side in enumerate(("left", "right")):
            part = slice(index * ARM_DOF, (index + 1) * ARM_DOF)
            self.arms[f"follower_{side}"].set_joints(qpos[part], qvel[part], effort[part])

    def _move_leaders(self, step: int) -> None:
        # The demonstrator is called once per step, in order (it follows the live scene).
        if self._demonstrator is None or step >= self.sim.task.episode_steps:
            target = self._leader_target if self._demonstrator else self.sim.start_action()
        else:
            target = self._demonstrator(step)
        velocity = (target - self._leader_target) / CONTROL_PERIOD
        self._leader_target = np.asarray(target, dtype=np.float64)
        for index, side in enumerate(("left", "right")):
            part = slice(index * ARM_DOF, (index + 1) * ARM_DOF)
            self.arms[f"leader_{side}"].set_joints(target[part], velocity[part])
