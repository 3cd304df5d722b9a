"""The status bar shows the snapshot's figures and colours the unhealthy ones."""

import numpy as np

from app.runtime.snapshot import CameraStatus, LoopStats, Mode, SessionSnapshot
from app.ui.health import Health
from app.ui.status_bar import HealthStatusBar


def _snapshot(period_ms: float, dropped: int, age_ms: float, stale: bool) -> SessionSnapshot:
    empty = np.zeros((0, 14), np.float32)
    return SessionSnapshot(
        mode=Mode.IDLE, prompt="", estopped=False, error=None,
        loop=LoopStats(period_mean_ms=period_ms, ticks=10),
        cameras={"cam_high": CameraStatus(fps=30.0, age_ms=age_ms, stale=stale)},
        frames={}, qpos=np.zeros(14), action=np.zeros(14), history_t=np.zeros(0),
        history_qpos=empty, history_action=empty, chunk_ahead=empty, inference_ms=80.0,
        chunks=3, underruns=0, safety_events=0, recorder_dropped=dropped, recording=False,
        episode_index=0, episode_seconds=0.0,
    )  # fmt: skip


def test_healthy_figures_stay_green(qtbot):
    bar = HealthStatusBar()
    qtbot.addWidget(bar)
    bar.show_snapshot(_snapshot(20.0, 0, 30.0, False))
    assert bar.loop_rate.text() == "loop  50.0 Hz"
    assert {label.health for label in (bar.loop_rate, bar.dropped, bar.camera_age)} == {Health.OK}


def test_slow_loop_drops_and_stale_camera_turn_red(qtbot):
    bar = HealthStatusBar()
    qtbot.addWidget(bar)
    bar.show_snapshot(_snapshot(40.0, 25, 900.0, True))
    assert bar.loop_rate.health == Health.BAD
    assert bar.dropped.health == Health.BAD
    assert bar.camera_age.health == Health.BAD
    assert "c62828" in bar.camera_age.styleSheet()
