"""Plots of the 14 joints: measured position against commanded action, and the chunk ahead."""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from app.runtime.snapshot import SessionSnapshot
from drivers.arm import ARM_JOINTS
from drivers.robot import SIDES

MEASURED_PEN = pg.mkPen("#1565c0", width=1)
COMMANDED_PEN = pg.mkPen("#ef6c00", width=1)
CHUNK_PEN = pg.mkPen("#ef6c00", width=1, style=Qt.PenStyle.DashLine)
NOW_PEN = pg.mkPen("#9e9e9e", width=1)
CURSOR_PEN = pg.mkPen("#c62828", width=1)
LIVE_INTERVAL_S = 0.1  # curves redraw at 10 Hz: 14 plots cost ~20 ms per redraw in software
JOINT_LABELS = tuple(f"{side} {joint}" for side in SIDES for joint in ARM_JOINTS)
MIN_SPAN = 0.1  # smallest y range shown (rad), so a still joint is not magnified noise
HISTORY_S = 10.0  # seconds of history shown (the session keeps 10 s)
AHEAD_S = 1.0  # room right of "now" for the chunk ahead (50 steps at 50 Hz)
MAX_POINTS = 250  # history points per curve; more are thinned (a 1000 px plot shows no more)


class JointPlots(pg.GraphicsLayoutWidget):
    """14 small plots: the left arm's 7 joints in the first row, the right arm's in the second.

    Live: history up to "now" (x = 0) and the rest of the action chunk drawn ahead (x > 0).
    Replay: a whole episode with a cursor at the current frame. Axis ranges are set here,
    not by pyqtgraph's auto-range, which would relayout every plot on every redraw.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground("w")
        self.setMinimumHeight(240)
        self.plots: list[pg.PlotItem] = []
        self.measured: list[pg.PlotCurveItem] = []
        self.commanded: list[pg.PlotCurveItem] = []
        self.chunk: list[pg.PlotCurveItem] = []
        self.cursors: list[pg.InfiniteLine] = []
        self._y_ranges: list[tuple[float, float] | None] = []
        self._x_range: tuple[float, float] | None = None
        self._last_draw = 0.0
        self.draws = 0  # redraws so far (tests and benchmarks)
        for row, side in enumerate(SIDES):
            for column, joint in enumerate(ARM_JOINTS):
                self._add_plot(row, column, f"{side} {joint}")
        self.ci.layout.setSpacing(0)

    def _add_plot(self, row: int, column: int, title: str) -> None:
        plot = self.addPlot(row=row, col=column)
        plot.setTitle(title, size="8pt")
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.disableAutoRange()
        plot.getAxis("left").setWidth(36)
        last_row = row == len(SIDES) - 1
        plot.getAxis("bottom").setHeight(18 if last_row else 0)
        plot.getAxis("bottom").setStyle(showValues=last_row)
        if not self.plots:  # one legend is enough for all 14
            plot.addLegend(offset=(2, 2), labelTextSize="7pt", brush=(255, 255, 255, 200))
        # PlotCurveItem rather than PlotDataItem: a third of the cost per update, no symbols
        for curves, pen, name in (
            (self.measured, MEASURED_PEN, "measured"),
            (self.commanded, COMMANDED_PEN, "commanded"),
            (self.chunk, CHUNK_PEN, "chunk ahead"),
        ):
            # Only the commanded curve has gaps (NaN before the first command).
            finite = curves is not self.commanded
            curve = pg.PlotCurveItem(pen=pen, name=name, skipFiniteCheck=finite)
            plot.addItem(curve)
            curves.append(curve)
        cursor = pg.InfiniteLine(pos=0.0, angle=90, pen=NOW_PEN)
        plot.addItem(cursor)
        self.cursors.append(cursor)
        if self.plots:
            plot.setXLink(self.plots[0])
        self.plots.append(plot)
        self._y_ranges.append(None)

    def show_snapshot(self, snapshot: SessionSnapshot, tick_s: float = 0.02) -> None:
        """Draw the recent history and the chunk ahead of now (at most 10 times a second)."""
        now = time.monotonic()
        if now - self._last_draw < LIVE_INTERVAL_S or not len(snapshot.history_t):
            return
        self._last_draw = now
        self.draws += 1
        step = max(1, len(snapshot.history_t) // MAX_POINTS)
        t = np.asarray(snapshot.history_t[::-1][::step][::-1], dtype=np.float64)  # keep "now"
        history_qpos = snapshot.history_qpos[::-1][::step][::-1]
        history_action = snapshot.history_action[::-1][::step][::-1]
        ahead = np.asarray(snapshot.chunk_ahead, dtype=np.float32).reshape(-1, len(self.plots))
        t_ahead = np.arange(1, len(ahead) + 1, dtype=np.float64) * tick_s
        # NaN rows: nothing commanded yet; the range ignores them (qpos stands in).
        sent = np.where(np.isfinite(history_action), history_action, history_qpos)
        low = np.minimum(history_qpos.min(axis=0), sent.min(axis=0))
        high = np.maximum(history_qpos.max(axis=0), sent.max(axis=0))
        if len(ahead):
            low, high = np.minimum(low, ahead.min(axis=0)), np.maximum(high, ahead.max(axis=0))
        for j in range(len(self.plots)):
            self.measured[j].setData(t, history_qpos[:, j])
            self.commanded[j].setData(t, history_action[:, j], connect="finite")
            self.chunk[j].setData(t_ahead, ahead[:, j])
            self._fit_y(j, float(low[j]), float(high[j]))
        self._set_x(-HISTORY_S, AHEAD_S)  # fixed: a moving axis would repaint every frame

    def show_episode(self, t: np.ndarray, qpos: np.ndarray, action: np.ndarray) -> None:
        """Draw a whole recorded episode (time in seconds from its start)."""
        for j in range(len(self.plots)):
            self.measured[j].setData(t, qpos[:, j])
            self.commanded[j].setData(t, action[:, j])
            self.chunk[j].setData([], [])
            self.cursors[j].setPen(CURSOR_PEN)
            self._y_ranges[j] = None
            both = np.concatenate([qpos[:, j], action[:, j]])
            both = both[np.isfinite(both)]
            if len(both):
                self._fit_y(j, float(both.min()), float(both.max()))
        if len(t):
            self._set_x(float(t[0]), float(t[-1]))

    def set_cursor(self, t: float) -> None:
        """Move the replay cursor to time `t`."""
        for cursor in self.cursors:
            cursor.setValue(t)

    def clear_curves(self) -> None:
        """Remove every curve (not `clear`: GraphicsLayoutWidget.clear removes the plots)."""
        for items in (self.measured, self.commanded, self.chunk):
            for item in items:
                item.setData([], [])

    def _set_x(self, left: float, right: float) -> None:
        if self._x_range != (left, right):
            self._x_range = (left, right)
            self.plots[0].setXRange(left, right, padding=0.0)

    def _fit_y(self, j: int, low: float, high: float) -> None:
        if not (np.isfinite(low) and np.isfinite(high)):
            return
        current = self._y_ranges[j]
        if current is not None:
            inside = current[0] <= low and high <= current[1]
            too_wide = (current[1] - current[0]) > 4 * max(high - low, MIN_SPAN)
            if inside and not too_wide:
                return  # moving the axis every frame would make the plots jitter
        middle, span = (low + high) / 2, max(high - low, MIN_SPAN) * 1.3
        self._y_ranges[j] = (middle - span / 2, middle + span / 2)
        self.plots[j].setYRange(*self._y_ranges[j], padding=0.0)
