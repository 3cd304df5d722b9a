"""RobotSession: one robot, its 50 Hz control loop, the policy runner, recorder and safety."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.runtime.action_gate import ActionGate
from app.runtime.arm_reader import ArmReader
from app.runtime.camera_feed import CameraFeed
from app.runtime.events import EventLog
from app.runtime.history import Ring
from app.runtime.loop_timing import Pacer
from app.runtime.policy_runner import ChunkPolicy, PolicyRunner, RunnerConfig
from app.runtime.priority import raise_control_priority
from app.runtime.recorder import Recorder, RecorderConfig, TickSample
from app.runtime.robots import played_leaders, safety_for, simulator_of, uncalibrated_arms
from app.runtime.safety import ROBOT_DOF, SafetyConfig, SafetyLayer
from app.runtime.snapshot import Mode, SessionSnapshot
from drivers.arm import ARM_DOF, ARM_JOINTS, ArmState
from drivers.robot import SIDES, Robot

JOINT_NAMES = tuple(f"{side}_{joint}" for side in SIDES for joint in ARM_JOINTS)


@dataclass
class _Reading:
    """Follower state of one tick, 14-dim."""

    qpos: np.ndarray
    qvel: np.ndarray
    effort: np.ndarray


_NOTHING_SENT = np.full(ROBOT_DOF, np.nan, np.float32)  # history rows before any command


class RobotSession:
    """Owns a robot and drives it from one paced control thread; every command is thread-safe."""

    def __init__(
        self,
        robot: Robot,
        policy: ChunkPolicy | None = None,
        *,
        rate_hz: float = 50.0,
        safety: SafetyConfig | None = None,
        runner: RunnerConfig | None = None,
        recorder: RecorderConfig | None = None,
        history_s: float = 10.0,
        stats_window_s: float = 10.0,
        writer_factory: Callable[..., Any] | None = None,
        realtime: bool = True,
        allow_uncalibrated: bool = False,
    ) -> None:
        self.robot = robot
        self.allow_uncalibrated = allow_uncalibrated  # policy mode on uncalibrated real arms
        self.realtime = realtime  # ask for SCHED_FIFO for the control thread (best effort)
        self.loop_priority: str | None = None  # what the control thread got, once started
        self.rate_hz = rate_hz
        self._safety_base = safety
        self.safety = SafetyLayer(safety_for(robot, safety), rate_hz)
        self._sim = simulator_of(robot)  # for task success and scene resets
        self._played = played_leaders(robot)  # simulator leaders played by expert or keyboard
        self._recorder_state = "idle"  # as seen on the last tick, to act on its changes
        self.events = EventLog()
        self.runner = PolicyRunner(policy, self.events, self._policy_failed, runner)
        rec_config = recorder or RecorderConfig(
            fps=rate_hz, robot=robot.kind, sim=robot.kind != "aloha"
        )
        writer = {"writer_factory": writer_factory} if writer_factory else {}
        self.cameras = CameraFeed(robot.cameras)
        self.gate = ActionGate(self.safety, self.events)
        self.recorder = Recorder(rec_config, self.events, self.cameras.shapes, **writer)
        self._pacer = Pacer(rate_hz, window=max(1, int(stats_window_s * rate_hz)))
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._connected_here = False
        self._arm_reader = ArmReader(parallel=robot.physics is None)  # buses, not the simulator
        self._mode = Mode.IDLE
        self._pending_mode: Mode | None = None
        self._prompt = ""
        self._estop_latched = False
        self._estop_applied = False
        self._estop_requested_tick = 0
        self._estop_requested_at = 0.0  # time.monotonic() of the last estop() call
        self._estop_latency: int | None = None
        self._estop_latency_ms: float | None = None
        self._reset_requested = False
        self._scene_reset: int | None = None
        self._faulted = False
        self._error: str | None = None
        self._task_success: bool | None = None
        zeros = np.zeros(ROBOT_DOF, np.float32)
        self._qpos, self._action = zeros, zeros.copy()
        self._commanded = False  # whether any command has reached the followers yet
        capacity = max(1, int(history_s * rate_hz))
        self._history_t = Ring(capacity)
        self._history_qpos = Ring(capacity, (ROBOT_DOF,), np.float32)
        self._history_action = Ring(capacity, (ROBOT_DOF,), np.float32)
        self._history_tick = Ring(capacity, (), np.int64)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Connect the robot if needed and start the control and inference threads."""
        if self._thread is not None:
            raise RuntimeError("session already started")
        if not all(arm.is_connected for arm in self.robot.followers.values()):
            self.robot.connect()
            self._connected_here = True
        # Connected arms know their calibration registers, which may narrow the ranges.
        self.safety = SafetyLayer(safety_for(self.robot, self._safety_base), self.rate_hz)
        self.gate.safety = self.safety
        # A waking control thread waits at most this long for the GIL (default 5 ms).
        sys.setswitchinterval(min(sys.getswitchinterval(), 0.001))
        self._stop.clear()
        self.runner.start()
        self._thread = threading.Thread(target=self._run, name="control-loop", daemon=True)
        self._thread.start()
        self.events.add(f"session started on the {self.robot.kind} robot at {self.rate_hz:g} Hz")

    def stop(self) -> None:
        """Stop the threads, save any episode in progress, leave the followers safe."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.runner.stop()
        self.recorder.close()
        self._arm_reader.close()
        if self._connected_here:
            self.robot.disconnect()  # drivers put followers in their safe state on disconnect
            self._connected_here = False
        else:
            self._leave_followers_safe()

    def _leave_followers_safe(self) -> None:
        """The caller keeps the robot connected: put followers in their configured safe state."""
        for arm in self.robot.followers.values():
            make_safe = getattr(arm, "make_safe", None)
            if callable(make_safe) and arm.is_connected:
                try:
                    make_safe()
                except Exception as exc:  # stopping must finish even when a bus is gone
                    self.events.add(f"{arm.name}: could not make safe: {exc}", logging.ERROR)

    def __enter__(self) -> RobotSession:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- commands (any thread) ----------------------------------------------------------------

    def set_mode(self, mode: Mode | str) -> None:
        """Change what drives the followers; takes effect on the next tick."""
        mode = Mode(mode)
        if mode is Mode.POLICY and self.runner.policy is None:
            raise RuntimeError("load a policy before switching to policy mode")
        if mode is Mode.POLICY:
            missing = set(self.runner.policy.cameras) - set(self.robot.cameras)
            if missing:
                raise RuntimeError(f"the policy needs cameras this robot lacks: {sorted(missing)}")
            uncalibrated = uncalibrated_arms(self.robot)
            allowed = self.allow_uncalibrated or self.safety.config.allow_uncalibrated
            if uncalibrated and not allowed:
                raise RuntimeError(
                    f"no calibration file for {', '.join(uncalibrated)}: calibrate the arms "
                    "(Hardware tab, Calibrate) or pass --allow-uncalibrated to run a policy anyway"
                )
        if mode is Mode.TELEOP and not self.robot.leaders:
            raise RuntimeError("teleoperation needs leader arms; this robot has none")
        with self._lock:
            if self._estop_latched:
                raise RuntimeError("e-stop is latched: reset it first")
            self._pending_mode = mode
            self._error = None  # a policy error is acknowledged by choosing a mode again

    def set_prompt(self, prompt: str) -> None:
        """The instruction for the policy; the next chunk uses it."""
        with self._lock:
            self._prompt = prompt
            if hasattr(self._sim, "follow_prompt"):  # success is judged for what it names
                self._sim.follow_prompt(prompt)
                self._task_success = None
        self.runner.set_prompt(prompt)
        self.events.add(f"prompt: {prompt!r}")

    def set_policy(self, policy: ChunkPolicy | None) -> None:
        """Swap the policy; in policy mode the next chunk comes from the new one."""
        self.runner.set_policy(policy)
        self.events.add(f"policy: {getattr(policy, 'name', type(policy).__name__)}")

    def estop(self) -> None:
        """Latch the emergency stop; the control loop obeys it on its next tick at the latest."""
        with self._lock:
            if self._estop_latched:
                return
            self._estop_latched = True
            self._estop_applied = False
            self._estop_requested_tick = self._pacer.ticks
            self._estop_requested_at = time.monotonic()
            self._estop_latency_ms = None
            running = self._thread is not None
        self.events.add("E-STOP", logging.WARNING)
        if not running:
            self._make_safe()

    def reset_estop(self) -> None:
        """Release the e-stop (and clear a driver error); the followers then hold where they are."""
        with self._lock:
            self._reset_requested = True

    def reset_scene(self, seed: int | None = None) -> None:
        """Simulator only: put the objects back (seeded) on the next tick."""
        if self._sim is None or not hasattr(self._sim, "reset"):
            raise RuntimeError("only the simulator can reset its scene")
        with self._lock:
            self._scene_reset = 0 if seed is None else seed

    @property
    def mode(self) -> Mode:
        """The mode in effect."""
        return self._mode

    # -- snapshot (any thread) ----------------------------------------------------------------

    def command_history(self) -> tuple[np.ndarray, np.ndarray]:
        """(ticks, commands) of the last `history_s`: one row per control tick, the command in
        force at it after the safety layer (NaN before the first one)."""
        with self._lock:
            return self._history_tick.values(), self._history_action.values()

    def snapshot(self) -> SessionSnapshot:
        """A consistent copy of everything the GUI shows."""
        now = time.monotonic()
        task_problem = getattr(self._sim, "prompt_problem", None)
        with self._lock:
            history_t = self._history_t.values() - now
            history_qpos = self._history_qpos.values()
            history_action = self._history_action.values()
            state = dict(
                mode=self._mode,
                prompt=self._prompt,
                estopped=self._estop_latched,
                error=self._error,
                qpos=self._qpos.copy(),
                action=self._action.copy(),
                safety_events=self.gate.safety_events,
                task_success=None if task_problem else self._task_success,
                task_problem=task_problem,
                estop_latency_ticks=self._estop_latency,
                estop_latency_ms=self._estop_latency_ms,
                watchdog_tripped=self.gate.watchdog_tripped,
                clamped_ticks=self.gate.clamped_ticks,
                clamped_by_joint={
                    name: int(count)
                    for name, count in zip(JOINT_NAMES, self.gate.clamped_by_joint, strict=True)
                    if count
                },
            )
        runner = self.runner.status()
        rec = self.recorder.status()
        return SessionSnapshot(
            **state,
            loop=self._pacer.stats(),
            cameras=self.cameras.status(),
            frames=self.cameras.frames,
            history_t=history_t,
            history_qpos=history_qpos,
            history_action=history_action,
            chunk_ahead=runner.ahead,
            inference_ms=runner.inference_ms,
            execution=runner.execution,
            delay_ticks=runner.delay_ticks,
            chunks=runner.chunks,
            underruns=runner.underruns,
            recorder_dropped=rec.dropped,
            recording=rec.recording,
            episode_index=rec.episode_index,
            episode_seconds=rec.episode_seconds,
            events=self.events.lines(),
            tick=self._pacer.ticks,
            chunk_prompt=runner.chunk_prompt,
            recorder_state=rec.state,
            episodes_left=rec.episodes_left,
            episodes_saved=len(rec.saved),
            episodes_flagged=len(rec.flagged),
            last_episode_rate_hz=rec.last_rate_hz,
            recording_failures=rec.failures,
        )

    # -- control loop -------------------------------------------------------------------------

    def _run(self) -> None:
        self.loop_priority = raise_control_priority(self.realtime)
        if self.loop_priority == "normal":
            self.events.add(
                "control loop at normal priority: its period may jitter on a busy machine "
                "(grant CAP_SYS_NICE or an rtprio limit for real-time)",
                logging.WARNING,
            )
        else:
            self.events.add(f"control loop priority: {self.loop_priority}")
        while not self._stop.is_set():
            now = self._pacer.begin_tick()
            try:
                self._tick(self._pacer.ticks, now)
            except Exception as exc:  # the loop never dies: anything unexpected is a fault
                self._fault(exc)
            self._pacer.wait_next(self._stop)

    def _tick(self, tick: int, now: float) -> None:
        self._apply_requests(tick)
        self._follow_recorder()
        self.cameras.poll()
        reading = command = leader_grippers = None
        if not self._faulted:
            try:
                reading, leaders = self._read_arms()
                proposal, leader_grippers = self._propose(tick, reading, leaders)
                estop = self.safety.config.estop_action if self._estop_latched else None
                command = self.gate.command(
                    self._mode, estop, proposal, reading.qpos, reading.effort, now
                )
                with self._lock:
                    if self._estop_latched and not self._estop_applied:
                        command = None  # e-stop arrived during this tick: send nothing
                if command is not None:
                    self.robot.send_followers(command)
                    if estop is not None:
                        self._estop_sent()  # the hold write has left for the bus
                if self.gate.out_of_range and self._mode is Mode.POLICY:
                    self._policy_failed(self.gate.out_of_range)
            except Exception as exc:
                self._fault(exc)
                command = None
        self._step_physics(tick)
        if reading is not None:
            self._record(now, reading, command, leader_grippers)
        self._publish(tick, now, reading, command)

    def _apply_requests(self, tick: int) -> None:
        with self._lock:
            mode, self._pending_mode = self._pending_mode, None
            reset, self._reset_requested = self._reset_requested, False
            scene, self._scene_reset = self._scene_reset, None
            estop_due = self._estop_latched and not self._estop_applied
        if scene is not None:
            self._reset_sim(scene)
            self.events.add(f"scene reset (seed {scene})")
        if estop_due:
            self._apply_estop(tick)
        if reset:
            self._release_estop()
        if mode is not None and mode is not self._mode:
            self._enter_mode(mode)

    def _reset_sim(self, seed: int) -> None:
        """A new scene: the simulator puts the arms at their start pose at once, so the gate
        forgets its hold target and the safety layer its last command (else they would drive
        the arms back toward where they were, at the servos' speed, through the new scene)."""
        self._sim.reset(seed)
        self._task_success = None
        self.gate.hold_here()

    def _follow_recorder(self) -> None:
        """Played leaders in teleoperation: each episode's reset pause starts on a new scene,
        and its recording with the expert (or keyboard) from the start, on its prompt."""
        state = self.recorder.state
        previous, self._recorder_state = self._recorder_state, state
        if self._played is None or self._mode is not Mode.TELEOP or state == previous:
            return
        if previous == "recording":
            done = "succeeded" if self._task_success else "not done"
            self.events.add(f"episode on seed {self._sim.seed}: task {done}")
        if state == "waiting":
            seed = self._sim.seed + 1
            self._reset_sim(seed)
            self._played.hold_start()  # through the countdown; the expert starts with the take
            self.events.add(f"scene reset (seed {seed}) for the next episode")
        elif state == "recording":
            self._sim.follow_prompt(self.recorder.prompt or None)
            self._task_success = None
            self._played.begin_episode()

    def _apply_estop(self, tick: int) -> None:
        self._make_safe()
        with self._lock:
            self._estop_applied = True
            self._estop_latency = tick - self._estop_requested_tick
        self.runner.engage(False)
        self.gate.hold_here()
        if self.safety.config.estop_action == "torque_off" or self._faulted:
            self._estop_sent()  # torque off has been written (or nothing more will be sent)

    def _estop_sent(self) -> None:
        """The e-stop's write has left: its latency, once per e-stop, in the event log."""
        with self._lock:
            if self._estop_latency_ms is not None:
                return
            self._estop_latency_ms = (time.monotonic() - self._estop_requested_at) * 1000
            ticks = self._estop_latency
        self.events.add(
            f"e-stop in effect after {self._estop_latency_ms:.1f} ms ({ticks} tick(s))",
            logging.WARNING,
        )

    def _make_safe(self) -> None:
        """Torque off when so configured (else the servos hold their last goal); never raises."""
        if self.safety.config.estop_action != "torque_off":
            return
        for arm in self.robot.followers.values():
            if getattr(arm, "fault", None) is not None:
                continue  # the driver already stopped this arm when it failed
            try:
                arm.set_torque(False)
            except Exception as exc:  # the bus may be the thing that failed
                self.events.add(f"{arm.name}: torque off failed: {exc}", logging.ERROR)

    def _release_estop(self) -> None:
        with self._lock:
            if not self._estop_latched:
                return
            self._estop_latched = self._faulted = False
            self._error = None
        self.gate.hold_here()
        self.gate.enter_mode(Mode.HOLD)
        self._mode = Mode.HOLD
        self.events.add("e-stop released: holding")
        if self.safety.config.estop_action == "torque_off":
            # Goal = where the limp arm is now, so enabling torque does not jerk it back.
            reading = self._read_followers()
            self.robot.send_followers(reading.qpos)
            for arm in self.robot.followers.values():
                arm.set_torque(True)

    def _enter_mode(self, mode: Mode) -> None:
        if mode is Mode.TELEOP and self._played is not None:
            self._played.begin_episode()  # the expert plays from the scene as it is
        self.runner.engage(mode is Mode.POLICY)
        self.gate.enter_mode(mode)
        self._mode = mode
        self.events.add(f"mode: {mode.value}")

    def _read_arms(self) -> tuple[_Reading, list[np.ndarray] | None]:
        """Followers, and the leaders' positions when teleoperating, read in one go."""
        arms = [self.robot.followers[side] for side in SIDES]
        teleop = self._mode is Mode.TELEOP and not self._estop_latched
        if teleop:
            arms += [self.robot.leaders[side] for side in SIDES]
        states = self._arm_reader.read(arms)
        leaders = [state.qpos for state in states[2:]] if teleop else None
        return _reading(states[0], states[1]), leaders

    def _read_followers(self) -> _Reading:
        return _reading(*self.robot.read_followers())

    def _propose(
        self, tick: int, reading: _Reading, leaders: list[np.ndarray] | None
    ) -> tuple[np.ndarray | None, tuple[float, float] | None]:
        """The action the current mode asks for (None = nothing new) and the leader grippers."""
        if self._estop_latched:
            return None, None
        if self._mode is Mode.TELEOP and leaders is not None:
            grippers = (float(leaders[0][ARM_DOF - 1]), float(leaders[1][ARM_DOF - 1]))
            return np.concatenate(leaders).astype(np.float32), grippers
        if self._mode is Mode.POLICY:
            self.runner.observe(tick, reading.qpos, self.cameras.images)
            return self.runner.action_for(tick), None
        return None, None

    def _step_physics(self, tick: int) -> None:
        try:
            if self.robot.physics is not None:
                self.robot.physics.step()
            # Success latches: a task counts as done once its rule held (as in gym-aloha).
            judged = hasattr(self._sim, "success") and not getattr(
                self._sim, "prompt_problem", None
            )
            if tick % 5 == 0 and judged and not self._task_success:
                self._task_success = bool(self._sim.success())
        except Exception as exc:
            self._fault(exc)

    def _record(
        self,
        now: float,
        reading: _Reading,
        command: np.ndarray | None,
        leader_grippers: tuple[float, float] | None,
    ) -> None:
        if not self.cameras.complete:
            return  # a camera has not delivered its first frame yet
        action = command if command is not None else reading.qpos
        images = self.cameras.images
        sample = TickSample(
            now, reading.qpos, reading.qvel, reading.effort, action, images, leader_grippers
        )
        self.recorder.on_tick(sample)

    def _publish(
        self, tick: int, now: float, reading: _Reading | None, command: np.ndarray | None
    ) -> None:
        with self._lock:
            if reading is not None:
                self._qpos = reading.qpos
            if command is not None:
                self._action = np.array(command, np.float32)
                self._commanded = True
            self._history_t.append(now)
            self._history_tick.append(tick)
            self._history_qpos.append(self._qpos)
            # Before the first command there is nothing commanded to plot: NaN, not zeros.
            self._history_action.append(self._action if self._commanded else _NOTHING_SENT)

    def _fault(self, exc: BaseException) -> None:
        message = f"{type(exc).__name__}: {exc}"
        with self._lock:
            first = not self._faulted
            self._faulted = True
            self._estop_latched = self._estop_applied = True
        if first:
            self.runner.engage(False)
            self.recorder.stop_episode()  # keep what was recorded; the user may discard it
            self._make_safe()
            self.events.add(f"driver error, robot made safe: {message}", logging.ERROR)
        with self._lock:
            self._error = message  # published once the robot is safe

    def _policy_failed(self, message: str) -> None:
        with self._lock:
            self._error = message
            if self._pending_mode is None and self._mode is Mode.POLICY:
                self._pending_mode = Mode.HOLD
        self.events.add(message, logging.ERROR)


def _reading(left: ArmState, right: ArmState) -> _Reading:
    """The 14-dim follower state from the two arms."""
    return _Reading(
        qpos=np.concatenate([left.qpos, right.qpos]).astype(np.float32),
        qvel=np.concatenate([left.qvel, right.qvel]).astype(np.float32),
        effort=np.concatenate([left.effort, right.effort]).astype(np.float32),
    )
