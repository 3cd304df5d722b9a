"""The real app on the simulated ALOHA with a real π0 policy: Enter runs it, E-STOP stops it."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.runtime.snapshot import Mode
from app.ui import backend
from app.ui.application import Studio
from app.ui.backend import RobotChoice

MISSING = backend.missing_module("drivers.sim.robot") or backend.missing_module("pi0_core.policy")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(MISSING is not None, reason=f"simulator or policy not landed: {MISSING}"),
]


@pytest.fixture
def checkpoint(tmp_path):
    """The bundled policy, or an untrained tiny π0 saved as a checkpoint when none ships yet."""
    bundled = backend.bundled_checkpoint()
    if bundled is not None:
        return bundled
    import torch

    from app.runtime.untrained import untrained_tiny_policy

    torch.set_num_threads(1)
    path = tmp_path / "untrained-tiny"
    untrained_tiny_policy().save(path)
    return path


@pytest.fixture
def sim_studio(qtbot, settings, checkpoint):
    studio = Studio(settings)
    studio.start(RobotChoice(kind="sim", task="pick_color"), checkpoint)
    controller = studio.controller
    ready = lambda: controller.connection != "connecting" and not controller.policy_loading  # noqa: E731
    qtbot.waitUntil(ready, timeout=180000)
    assert controller.connection == "connected", controller.connection_error
    assert controller.policy is not None, controller.policy_status
    yield studio
    studio.close()


def test_enter_runs_the_policy_on_the_simulator_and_estop_latches(qtbot, sim_studio):
    operate = sim_studio.window.tab("Operate")
    snapshot = sim_studio.controller.snapshot
    qtbot.waitUntil(lambda: len(operate.cameras.views) == 3, timeout=30000)
    assert operate.prompt.prompt == sim_studio.controller.default_prompt != ""
    start = snapshot().qpos.copy()
    operate.prompt.lineEdit().setFocus()
    qtbot.keyClick(operate.prompt.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: snapshot().mode == Mode.POLICY, timeout=10000)
    qtbot.waitUntil(lambda: snapshot().chunks >= 1, timeout=120000)
    qtbot.waitUntil(lambda: np.abs(snapshot().qpos - start).max() > 0.01, timeout=60000)
    qtbot.keyClick(sim_studio.window, Qt.Key.Key_Escape)
    assert snapshot().estopped
    qtbot.waitUntil(lambda: snapshot().estop_latency_ticks is not None, timeout=5000)
    assert snapshot().estop_latency_ticks <= 1
    assert "E-STOPPED" in sim_studio.window.robot_toolbar.mode.text()
