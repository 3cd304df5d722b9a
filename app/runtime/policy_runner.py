"""Policy inference in its own thread: the next action chunk is ready before the current ends."""

from __future__ import annotations

import inspect
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from app.runtime.events import EventLog
from app.runtime.execution import (
    DEFAULT_EXECUTION,
    DEFAULT_GUIDANCE,
    ChunkExecution,
    ChunkRequest,
    ExecutionConfig,
)
from app.runtime.history import Ring

MAX_SET_LATENCY_MS = 2000.0  # a chunk of 50 at 50 Hz lasts 1 s: beyond 2 s nothing is left


class ChunkPolicy(Protocol):
    """What the runner needs of a policy (`pi0_core.policy.Policy` is one)."""

    cameras: tuple[str, ...]

    def infer(self, obs: dict[str, Any], **rtc: Any) -> np.ndarray:
        """(chunk, 14) actions from {"images": {cam: (H,W,3) uint8}, "state": (14,), "prompt"}.

        In rtc mode it is also given `prefix` ((K, 14) actions still ahead) and `delay` (ticks).
        """


@dataclass(frozen=True)
class RunnerConfig:
    """When to ask for the next chunk and how to join it to the current one."""

    execution: str = DEFAULT_EXECUTION  # sync, naive, blend or rtc (app.runtime.execution)
    execution_horizon: int | None = None  # ticks executed before the next request; None: fraction
    replan_fraction: float = 0.5  # ask for the next chunk once this much of the current one ran
    delay_window: int = 10  # the rtc delay is the largest of this many measured delays
    guidance: str = DEFAULT_GUIDANCE  # rtc: "vjp" (the paper's) or "jacobian-free"
    camera_wait_s: float = 5.0  # how long to wait for a first frame of every policy camera
    # A chunk is delivered no sooner than this after its inference started: a set latency for
    # evaluation (the same delay on every robot) or to try a slower GPU. 0: as soon as ready.
    min_latency_ms: float = 0.0

    def __post_init__(self) -> None:
        self.execution_config()  # checks the mode and horizons
        if self.camera_wait_s <= 0:
            raise ValueError("camera_wait_s must be positive")
        if not 0 <= self.min_latency_ms <= MAX_SET_LATENCY_MS:
            raise ValueError(
                f"min_latency_ms must be in [0, {MAX_SET_LATENCY_MS:g}], "
                f"got {self.min_latency_ms:g}"
            )

    def execution_config(self) -> ExecutionConfig:
        """The chunk execution these options describe."""
        return ExecutionConfig(
            self.execution,
            self.execution_horizon,
            self.replan_fraction,
            self.delay_window,
            self.guidance,
        )


@dataclass(frozen=True)
class RunnerStatus:
    """The runner's counters, copied for a snapshot."""

    chunks: int
    inference_ms: float
    underruns: int
    chunk_prompt: str  # the prompt the current chunk was computed with
    ahead: np.ndarray  # (K, 14) actions still scheduled
    execution: str = DEFAULT_EXECUTION  # the execution mode
    delay_ticks: int = 0  # the delay estimate in use (largest recent measured delay)


@dataclass
class _Observation:
    tick: int
    state: np.ndarray
    images: dict[str, np.ndarray]


class PolicyRunner:
    """Runs `policy.infer` on the latest observation whenever the schedule needs a new chunk."""

    def __init__(
        self,
        policy: ChunkPolicy | None,
        events: EventLog,
        on_error: Callable[[str], None],
        config: RunnerConfig | None = None,
    ) -> None:
        self.config = config or RunnerConfig()
        self.events = events
        self._on_error = on_error
        self._policy = policy
        self._prompt = ""
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._execution = ChunkExecution(self.config.execution_config())
        self._latest: _Observation | None = None
        self._tick = 0
        self._engaged = False
        self._generation = 0  # bumped on reset so a chunk computed for an old episode is dropped
        self._starved = False
        self._waiting_since: float | None = None  # first request that lacked a camera frame
        self.chunks = 0
        self.underruns = 0
        self.inference_ms = 0.0
        self.chunk_prompt = ""
        self._latencies = Ring(1000)  # ms of recent inferences, for benchmarks
        self._switches = Ring(1000, (), np.int64)  # ticks at which a chunk replaced another

    # -- any thread ---------------------------------------------------------------------------

    @property
    def policy(self) -> ChunkPolicy | None:
        """The policy in use."""
        return self._policy

    def set_policy(self, policy: ChunkPolicy | None) -> None:
        """Use another policy from the next chunk on; the current chunk is dropped."""
        with self._lock:
            self._policy = policy
            self._reset_locked()

    def set_prompt(self, prompt: str) -> None:
        """The prompt for the next chunk (the current one finishes as it was planned)."""
        with self._lock:
            self._prompt = prompt

    def start(self) -> None:
        """Start the inference thread (after the previous one, if still busy, has finished)."""
        if self._thread is not None:
            self._thread.join()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="policy-runner", daemon=True)
        self._thread.start()

    def stop(self, wait_s: float = 1.0) -> None:
        """Stop the inference thread; an inference still running after `wait_s` is abandoned
        (its chunk is dropped) rather than waited for."""
        with self._lock:
            self._engaged = False
            self._reset_locked()
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(wait_s)
            if not self._thread.is_alive():
                self._thread = None

    def status(self) -> RunnerStatus:
        """Counters and the actions still ahead."""
        with self._lock:
            return RunnerStatus(
                chunks=self.chunks,
                inference_ms=self.inference_ms,
                underruns=self.underruns,
                chunk_prompt=self.chunk_prompt,
                ahead=self._execution.ahead(self._tick),
                execution=self._execution.mode,
                delay_ticks=self._execution.delay_estimate(),
            )

    def latencies_ms(self) -> np.ndarray:
        """Inference latencies of the recent chunks, oldest first."""
        with self._lock:
            return self._latencies.values()

    def switch_ticks(self) -> np.ndarray:
        """Control ticks at which a recent chunk replaced the one before it, oldest first."""
        with self._lock:
            return self._switches.values()

    # -- control loop -------------------------------------------------------------------------

    def engage(self, engaged: bool) -> None:
        """Start or stop driving the arm; either way the schedule starts empty."""
        with self._lock:
            self._engaged = engaged
            self._reset_locked()
        self._wake.set()

    def observe(self, tick: int, state: np.ndarray, images: dict[str, np.ndarray]) -> None:
        """Offer the observation of this tick (kept by reference: the caller must not mutate)."""
        with self._lock:
            self._latest = _Observation(tick, state, images)

    def action_for(self, tick: int) -> np.ndarray | None:
        """The scheduled action for `tick`, or None (waiting for the first chunk, or ran out)."""
        with self._lock:
            self._tick = tick
            action = self._execution.action(tick)
            if self._needs_chunk_locked(tick):
                self._wake.set()
            if action is None and not self._execution.schedule.empty and self._engaged:
                self.underruns += 1
                if not self._starved:
                    self._starved = True
                    self.events.add(f"chunk ran out at tick {tick}: holding", logging.WARNING)
            elif action is not None:
                self._starved = False
            return action

    # -- inference thread ---------------------------------------------------------------------

    def _needs_chunk_locked(self, tick: int) -> bool:
        if not self._engaged or self._policy is None:
            return False
        return self._execution.needs_chunk(tick)

    def _reset_locked(self) -> None:
        self._execution.clear()
        self._generation += 1
        self._starved = False

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(0.1)
            self._wake.clear()
            with self._lock:
                if not self._needs_chunk_locked(self._tick) or self._latest is None:
                    continue
                policy, obs, prompt, generation = (
                    self._policy, self._latest, self._prompt, self._generation
                )  # fmt: skip
            try:
                if not self._frames_ready(policy, obs):
                    continue
                with self._lock:
                    if generation != self._generation:
                        continue
                    request = self._execution.request(obs.tick)
                self._infer(policy, obs, prompt, generation, request)
            except Exception as exc:  # a policy failure stops the policy, never the loop
                with self._lock:
                    self._engaged = False
                    self._reset_locked()
                self._on_error(f"policy failed: {type(exc).__name__}: {exc}")

    def _frames_ready(self, policy: ChunkPolicy, obs: _Observation) -> bool:
        """True once every camera the policy needs has delivered; raises after a long wait."""
        missing = [camera for camera in policy.cameras if camera not in obs.images]
        if not missing:
            self._waiting_since = None
            return True
        now = time.monotonic()
        self._waiting_since = self._waiting_since or now
        if now - self._waiting_since > self.config.camera_wait_s:
            self._waiting_since = None
            raise RuntimeError(f"no frame from camera {missing[0]!r}, which the policy needs")
        self._stop.wait(0.02)
        return False

    def _infer(
        self,
        policy: ChunkPolicy,
        obs: _Observation,
        prompt: str,
        generation: int,
        request: ChunkRequest,
    ) -> None:
        images = {camera: obs.images[camera] for camera in policy.cameras}
        started = time.monotonic()
        chunk = np.asarray(
            infer_chunk(policy, {"images": images, "state": obs.state, "prompt": prompt}, request)
        )
        elapsed_ms = (time.monotonic() - started) * 1000.0
        if chunk.ndim != 2 or chunk.shape[1] != len(obs.state):
            raise ValueError(f"policy returned actions of shape {chunk.shape}")
        if self.config.min_latency_ms > 0:  # a set latency: the chunk waits out the rest of it
            due = started + self.config.min_latency_ms / 1000
            self._stop.wait(max(0.0, due - time.monotonic()))
        with self._lock:
            if generation != self._generation:
                return  # reset while we were busy: this chunk belongs to the past
            # This tick's action was already taken from the old schedule: the next is the first.
            replaced = not self._execution.schedule.empty
            skipped = self._execution.deliver(chunk, request, self._tick + 1)
            self.inference_ms = elapsed_ms
            self._latencies.append(elapsed_ms)
            if skipped < 0:
                self.events.add(f"chunk arrived after {elapsed_ms:.0f} ms, too late to use")
                return
            self.chunks += 1
            self.chunk_prompt = prompt
            if replaced:
                self._switches.append(self._tick + 1)


def infer_chunk(policy: ChunkPolicy, obs: dict[str, Any], request: ChunkRequest) -> np.ndarray:
    """The policy's chunk for one request: guided by the actions ahead when it carries them.

    A policy whose `infer` takes no prefix (no guided sampling) is asked unguided: rtc then
    runs as naive replacement.
    """
    if request.prefix is None or not takes(policy, "prefix", "delay"):
        return policy.infer(obs)
    rtc: dict[str, Any] = {"prefix": request.prefix, "delay": request.delay}
    if takes(policy, "guidance"):
        from pi0_core.fast.guidance import GuidanceConfig

        rtc["guidance"] = GuidanceConfig(jacobian=request.guidance == "vjp")
    return policy.infer(obs, **rtc)


def takes(policy: ChunkPolicy, *names: str) -> bool:
    """Whether `policy.infer` accepts these keyword arguments."""
    try:
        parameters = inspect.signature(policy.infer).parameters.values()
    except (TypeError, ValueError):
        return False
    if any(parameter.kind is parameter.VAR_KEYWORD for parameter in parameters):
        return True
    return set(names) <= {parameter.name for parameter in parameters}
