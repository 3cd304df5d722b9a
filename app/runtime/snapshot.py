"""What the GUI and the headless commands read from a running robot session, ~30 Hz."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np

from drivers.camera import Frame


class Mode(str, enum.Enum):
    """What drives the followers."""

    IDLE = "idle"  # nothing is sent
    HOLD = "hold"  # followers hold their last position
    TELEOP = "teleop"  # leaders drive followers
    POLICY = "policy"  # the loaded policy drives followers with the current prompt


@dataclass(frozen=True)
class LoopStats:
    """Control-loop timing over the recent window (milliseconds)."""

    period_mean_ms: float = 0.0
    period_p50_ms: float = 0.0
    period_p99_ms: float = 0.0
    period_max_ms: float = 0.0
    overruns: int = 0  # ticks that took longer than one period
    ticks: int = 0


@dataclass(frozen=True)
class CameraStatus:
    """Health of one camera as the loop sees it."""

    fps: float
    age_ms: float  # age of the latest frame
    stale: bool


@dataclass(frozen=True)
class SessionSnapshot:
    """A consistent, immutable copy of the session state; cheap to take, safe to hold."""

    mode: Mode
    prompt: str
    estopped: bool
    error: str | None  # the driver or policy error that put the session in its safe state
    loop: LoopStats
    cameras: dict[str, CameraStatus]
    frames: dict[str, Frame]  # latest frame per camera
    qpos: np.ndarray  # (14,) measured follower positions
    action: np.ndarray  # (14,) last action sent after the safety layer
    history_t: np.ndarray  # (N,) seconds, relative to now (<= 0)
    history_qpos: np.ndarray  # (N, 14)
    history_action: np.ndarray  # (N, 14) commands sent; NaN rows before the first one
    chunk_ahead: np.ndarray  # (K, 14) the rest of the current action chunk, one row per tick
    inference_ms: float  # latency of the last chunk
    chunks: int  # chunks received
    underruns: int  # ticks on which the chunk ran out and the robot held
    safety_events: int
    recorder_dropped: int  # frames the episode writer dropped
    recording: bool
    episode_index: int
    episode_seconds: float  # time into the current episode (or countdown when negative)
    events: tuple[str, ...] = field(default_factory=tuple)  # recent event-log lines, newest last
    task_success: bool | None = None  # simulator only
    # Added by the runtime (defaults keep older callers working):
    tick: int = 0  # control-loop ticks since start
    chunk_prompt: str = ""  # the prompt the current action chunk was computed with
    estop_latency_ticks: int | None = None  # ticks from the last estop() call to its effect
    watchdog_tripped: bool = False  # no fresh action for longer than the watchdog allows
    clamped_ticks: int = 0  # ticks on which a joint, rate or gripper limit changed the action
    clamped_by_joint: dict[str, int] = field(default_factory=dict)  # joint -> ticks limited (> 0)
    estop_latency_ms: float | None = None  # from estop() to the hold or torque-off write's send
    recorder_state: str = "idle"  # "idle", "waiting", "armed" (squeeze to start), "recording"
    episodes_left: int = 0  # planned episodes not yet started
    episodes_saved: int = 0  # episodes written in this session
    episodes_flagged: int = 0  # saved episodes whose rate fell below 90% of the target
    last_episode_rate_hz: float = 0.0  # mean rate of the last saved episode
    recording_failures: tuple[str, ...] = ()  # episode files that could not be opened or saved
    task_problem: str | None = None  # simulator: why success cannot be judged for the prompt
    execution: str = ""  # how chunks are executed: sync, naive, blend or rtc
    delay_ticks: int = 0  # the chunk delay in use (largest recent measured delay, ticks)
