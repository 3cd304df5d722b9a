"""`main.py bench --loop`: the control loop in the simulator, policy mode, cameras, recording."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from app.cli.checkpoint_options import checkpoint_options
from app.runtime.console import work_failed
from app.runtime.headless import watch
from app.runtime.robots import make_robot
from app.runtime.session import RobotSession
from app.runtime.snapshot import Mode
from app.runtime.untrained import untrained_tiny_policy

ALL_CAMERAS = ("cam_high", "cam_left_wrist", "cam_right_wrist", "cam_low")
ESTOP_TRIALS = 10  # e-stops after the timed run, for the e-stop latency figures


def run_bench(args: argparse.Namespace) -> int:
    """Run the loop for `--seconds` (60) and print its period, overruns, drops and latency."""
    seconds = args.seconds or 60.0
    if not 1 <= args.cameras <= len(ALL_CAMERAS):
        raise ValueError(f"--cameras must be 1..{len(ALL_CAMERAS)}")
    policy, policy_name = _load_policy(
        args.checkpoint, args.device, getattr(args, "compile", False), checkpoint_options(args)
    )
    cameras = tuple(dict.fromkeys([*ALL_CAMERAS[: args.cameras], *policy.cameras]))
    robot = make_robot("sim", task="pick_color", cameras=cameras)
    session = RobotSession(robot, policy, stats_window_s=seconds + 5)
    print(
        f"loop bench: {seconds:g} s, sim pick_color, cameras {', '.join(cameras)}, "
        f"policy {policy_name}, recording on",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="pi0studio-bench-") as folder:
        session.start()
        try:
            prompt = getattr(robot.physics, "prompt", "pick up the red cube")
            session.set_prompt(prompt)
            session.recorder.set_folder(folder)
            session.recorder.start_episode(prompt)
            session.set_mode(Mode.POLICY)
            elapsed = watch(session, seconds, out=_every_ten_seconds())
            snap = session.snapshot()
            estops = estop_latencies(session, ESTOP_TRIALS)
        finally:
            session.stop()
        latencies = session.runner.latencies_ms()
        saved = session.recorder.status().saved
        frames = _frames_in(saved[0]) if saved else 0
    results = _results(snap, elapsed, latencies, frames, policy_name)
    results["loop_priority"] = session.loop_priority
    results["estop_p50_ms"] = round(float(np.median(estops)), 2) if estops else None
    results["estop_max_ms"] = round(float(max(estops)), 2) if estops else None
    for key, value in results.items():
        print(f"  {key:24s} {value}")
    if args.json:
        print(json.dumps(results))
    return 1 if work_failed(snap) or not frames else 0


def estop_latencies(session: RobotSession, trials: int) -> list[float]:
    """E-stop the running policy `trials` times at unaligned moments; milliseconds from each
    request until its hold or torque-off write left for the bus (measured by the session)."""
    rng = np.random.default_rng(0)
    measured = []
    for _ in range(trials):
        time.sleep(0.2 + rng.uniform(0, 0.02))  # a random phase within the 20 ms tick
        session.estop()
        deadline = time.monotonic() + 2.0
        while session.snapshot().estop_latency_ms is None and time.monotonic() < deadline:
            time.sleep(0.002)
        latency = session.snapshot().estop_latency_ms
        if latency is not None:
            measured.append(latency)
        session.reset_estop()
        time.sleep(0.05)
        session.set_mode(Mode.POLICY)
    return measured


def _results(snap, elapsed: float, latencies: np.ndarray, frames: int, policy: str) -> dict:
    loop = snap.loop
    return {
        "seconds": round(elapsed, 1),
        "ticks": loop.ticks,
        "rate_hz": round(loop.ticks / elapsed, 2),
        "period_p50_ms": round(loop.period_p50_ms, 2),
        "period_p99_ms": round(loop.period_p99_ms, 2),
        "period_max_ms": round(loop.period_max_ms, 2),
        "overruns": loop.overruns,
        "recorded_frames": frames,
        "dropped_frames": snap.recorder_dropped,
        "chunks": snap.chunks,
        "underruns": snap.underruns,
        "inference_p50_ms": round(float(np.median(latencies)), 1) if len(latencies) else None,
        "inference_max_ms": round(float(latencies.max()), 1) if len(latencies) else None,
        "camera_fps": {name: round(cam.fps, 1) for name, cam in snap.cameras.items()},
        "policy": policy,
        "error": snap.error,
    }


def _every_ten_seconds():
    count = [0]

    def out(line: str) -> None:
        count[0] += 1
        if count[0] % 10 == 0:
            print(line, flush=True)

    return out


def _frames_in(path: Path) -> int:
    from recordings.reader import EpisodeReader

    with EpisodeReader(path) as reader:
        return len(reader)


def _load_policy(
    checkpoint: str | None, device: str | None, compile: bool = False, options: dict | None = None
):
    """The given checkpoint, else the bundled one, else an untrained tiny π0 (same compute)."""
    from pi0_core.bundled import BUNDLED_CHECKPOINT
    from pi0_core.policy import Policy

    path = Path(checkpoint) if checkpoint else BUNDLED_CHECKPOINT
    if checkpoint or (path / "config.json").is_file():
        return Policy.load(path, device=device, compile=compile, **(options or {})), str(path)
    return untrained_tiny_policy(device=device), "untrained tiny (no bundled checkpoint found)"
