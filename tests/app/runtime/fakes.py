"""Small stand-ins for arms, cameras, policies and episode writers, for runtime tests."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np

from drivers.arm import Arm, ArmState
from drivers.camera import Camera, Frame
from drivers.errors import DeviceError, NotConnectedError
from drivers.robot import Robot


class FakeArm(Arm):
    """An arm that reaches every goal at once; `fail` makes the next call raise."""

    def __init__(self, name: str, qpos: np.ndarray | None = None) -> None:
        self.name = name
        self.qpos = np.zeros(7, np.float32) if qpos is None else np.asarray(qpos, np.float32)
        self.qpos[6] = 0.5 if qpos is None else self.qpos[6]
        self.effort = np.zeros(7, np.float32)
        self.sent: list[np.ndarray] = []
        self.torque = True
        self.fail: str | None = None
        self._connected = False

    def connect(self) -> None:
        self._connected = True

    def disconnect(self) -> None:
        self._connected = False

    @property
    def is_connected(self) -> bool:
        return self._connected

    def _check(self) -> None:
        if not self._connected:
            raise NotConnectedError(f"{self.name}: not connected")
        if self.fail:
            raise DeviceError(f"{self.name}: {self.fail}")

    def read_state(self) -> ArmState:
        self._check()
        return ArmState(self.qpos.copy(), np.zeros(7, np.float32), self.effort.copy())

    def send_action(self, action: np.ndarray) -> None:
        self._check()
        self.sent.append(np.array(action, np.float32))
        if self.torque:
            self.qpos = np.array(action, np.float32)

    def set_torque(self, enabled: bool) -> None:
        self._check()
        self.torque = enabled


class FakeCamera(Camera):
    """A camera whose every read is a fresh frame of one colour."""

    def __init__(self, name: str, shape: tuple[int, int] = (24, 32), colour: int = 100) -> None:
        self.name = name
        self.image = np.full((*shape, 3), colour, np.uint8)
        self._connected = False

    def connect(self) -> None:
        self._connected = True

    def disconnect(self) -> None:
        self._connected = False

    @property
    def is_connected(self) -> bool:
        return self._connected

    def read_latest(self, max_age_ms: float | None = None) -> Frame | None:
        return Frame(self.image, time.monotonic()) if self._connected else None

    @property
    def fps(self) -> float:
        return 50.0


def fake_robot(leaders: bool = False, cameras: tuple[str, ...] = ("cam_high",)) -> Robot:
    """Two fake followers, optional fake leaders, fake cameras."""
    return Robot(
        followers={side: FakeArm(f"follower_{side}") for side in ("left", "right")},
        leaders={side: FakeArm(f"leader_{side}") for side in ("left", "right")} if leaders else {},
        cameras={name: FakeCamera(name) for name in cameras},
        kind="virtual",
    )


class FakePolicy:
    """Returns smooth chunks around the observed state after `latency_s`; records each request."""

    name = "fake"

    def __init__(
        self,
        cameras: tuple[str, ...] = ("cam_high",),
        chunk: int = 50,
        latency_s: float = 0.02,
        nan: bool = False,
    ) -> None:
        self.cameras = cameras
        self.chunk = chunk
        self.latency_s = latency_s
        self.nan = nan
        self.requests: list[dict] = []
        self.guidance: list[dict] = []  # the prefix and delay of each rtc request
        self.lock = threading.Lock()
        self.rng = np.random.default_rng(0)
        self.gate = threading.Event()  # clear it to make inference wait (a very slow model)
        self.gate.set()

    def infer(self, obs: dict, **rtc) -> np.ndarray:
        with self.lock:
            self.requests.append(obs)
            if rtc:
                self.guidance.append(rtc)
        self.gate.wait()
        time.sleep(self.latency_s)
        steps = np.linspace(0, 1, self.chunk, dtype=np.float32)[:, None]
        wiggle = 0.02 * np.sin(2 * np.pi * steps + self.rng.uniform(0, 6, 14).astype(np.float32))
        actions = np.asarray(obs["state"], np.float32)[None] + wiggle
        if self.nan:
            actions[:] = np.nan
        return actions

    @property
    def prompts(self) -> list[str]:
        with self.lock:
            return [r["prompt"] for r in self.requests]


class FakeWriter:
    """An EpisodeWriter that keeps frames in memory and writes a marker file on close."""

    instances: list[FakeWriter] = []

    def __init__(self, path: Path, *, cameras, prompt, fps=50, robot="sim", sim=True, **_):
        self.path = Path(path)
        self.cameras = cameras
        self.prompt = prompt
        self.frames: list[tuple] = []
        self.dropped = 0
        self.closed = self.discarded = False
        self.partial = self.path.with_name(self.path.name + ".partial")
        self.partial.write_text("partial")
        FakeWriter.instances.append(self)

    def add_frame(self, qpos, qvel, effort, action, images, timestamp) -> bool:
        assert set(images) == set(self.cameras)
        self.frames.append((np.array(qpos), np.array(action), timestamp))
        return True

    @property
    def frames_written(self) -> int:
        return len(self.frames)

    def close(self) -> Path:
        self.partial.unlink()
        self.path.write_text(f"{len(self.frames)} frames, prompt {self.prompt}")
        self.closed = True
        return self.path

    def discard(self) -> None:
        self.partial.unlink(missing_ok=True)
        self.discarded = True


def wait_until(condition, timeout: float = 20.0, what: str = "condition") -> None:
    """Poll `condition` until true; fail the test after `timeout` seconds (a hang guard only)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)
