"""Joint plots: nothing commanded yet (NaN rows) leaves a gap, not a line at zero."""

import dataclasses

import numpy as np

from app.ui.joint_plots import JointPlots
from tests.app.ui.test_status_bar import _snapshot


def test_commanded_curve_has_a_gap_before_the_first_command(qtbot) -> None:
    plots = JointPlots()
    qtbot.addWidget(plots)
    qpos = np.full((10, 14), 0.5, np.float32)
    action = np.full((10, 14), np.nan, np.float32)
    action[6:] = 0.6  # commands from the 7th tick on
    snapshot = dataclasses.replace(
        _snapshot(20.0, 0, 30.0, False),
        history_t=np.linspace(-0.18, 0.0, 10),
        history_qpos=qpos,
        history_action=action,
    )
    plots.show_snapshot(snapshot)
    assert plots.draws == 1
    x, y = plots.commanded[0].getData()
    assert np.isnan(y[:6]).all() and np.allclose(y[6:], 0.6)
    low, high = plots.plots[0].viewRange()[1]
    assert low < 0.5 and high > 0.6 and high - low < 1.0  # the range ignores the gap
