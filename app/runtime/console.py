"""Telemetry as text for the headless commands: one line per second and a closing summary."""

from __future__ import annotations

from app.runtime.snapshot import SessionSnapshot


def telemetry_line(snap: SessionSnapshot, elapsed_s: float) -> str:
    """One line: loop timing, policy chunks, cameras, recorder."""
    loop = snap.loop
    parts = [
        f"{elapsed_s:6.1f}s {snap.mode.value:6s}",
        f"period p50 {loop.period_p50_ms:5.1f} p99 {loop.period_p99_ms:5.1f} "
        f"max {loop.period_max_ms:5.1f} ms, overruns {loop.overruns}",
    ]
    if snap.chunks or snap.mode.value == "policy":
        parts.append(
            f"chunks {snap.chunks} ({snap.inference_ms:.0f} ms), underruns {snap.underruns}"
        )
    if snap.cameras:
        fps = " ".join(
            f"{name.removeprefix('cam_')} {cam.fps:4.1f}" for name, cam in snap.cameras.items()
        )
        stale = [name for name, cam in snap.cameras.items() if cam.stale]
        parts.append(f"fps {fps}" + (f" STALE {','.join(stale)}" if stale else ""))
    if snap.recorder_state != "idle" or snap.episodes_saved:
        parts.append(
            f"rec {snap.recorder_state} ep {snap.episode_index} {snap.episode_seconds:5.1f}s "
            f"saved {snap.episodes_saved} dropped {snap.recorder_dropped}"
        )
    if snap.estopped:
        parts.append("E-STOP" + (f": {snap.error}" if snap.error else ""))
    elif snap.error:
        parts.append(f"error: {snap.error}")
    return " | ".join(parts)


def work_failed(snap: SessionSnapshot) -> bool:
    """Whether a headless run ended in a driver or policy error or lost an episode file."""
    return bool(snap.error or snap.recording_failures)


def summary_lines(snap: SessionSnapshot, elapsed_s: float) -> list[str]:
    """The closing report of a headless run."""
    loop = snap.loop
    lines = [
        f"ran {elapsed_s:.1f} s, {loop.ticks} ticks ({loop.ticks / max(elapsed_s, 1e-9):.1f} Hz)",
        f"loop period: mean {loop.period_mean_ms:.2f} p50 {loop.period_p50_ms:.2f} "
        f"p99 {loop.period_p99_ms:.2f} max {loop.period_max_ms:.2f} ms, overruns {loop.overruns}",
        f"safety events {snap.safety_events}, clamped ticks {snap.clamped_ticks}",
    ]
    if snap.clamped_by_joint:
        worst = sorted(snap.clamped_by_joint.items(), key=lambda item: -item[1])
        lines.append("clamped per joint: " + ", ".join(f"{name} {n}" for name, n in worst))
    if snap.estop_latency_ms is not None:
        lines.append(f"e-stop latency {snap.estop_latency_ms:.1f} ms")
    if snap.chunks:
        lines.append(
            f"policy: {snap.chunks} chunks, last inference {snap.inference_ms:.0f} ms, "
            f"underruns {snap.underruns}, execution {snap.execution or '-'}, "
            f"delay {snap.delay_ticks} ticks"
        )
    if snap.episodes_saved:
        lines.append(
            f"recorded {snap.episodes_saved} episode(s), {snap.episodes_flagged} flagged for a "
            f"low rate, {snap.recorder_dropped} frames dropped"
        )
    lines += [f"recording failed: {failure}" for failure in snap.recording_failures]
    if snap.error:
        lines.append(f"error: {snap.error}")
    if snap.task_problem:
        lines.append(f"task success: not judged, {snap.task_problem}")
    elif snap.task_success is not None:
        lines.append(f"task success: {'yes' if snap.task_success else 'no'}")
    return lines
