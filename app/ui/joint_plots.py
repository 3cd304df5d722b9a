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
MIN_SPAN = 0.1  # smallest y range shown (rad), so a still joint is not magnified noise


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
        self.measured: list[pg.PlotDataItem] = []
        self.commanded: list[pg.PlotDataItem] = []
        self.chunk: list[pg.PlotDataItem] = []
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
        self.measured.append(plot.plot(pen=MEASURED_PEN, name="measured"))
        self.commanded.append(plot.plot(pen=COMMANDED_PEN, name="commanded"))
        self.chunk.append(plot.plot(pen=CHUNK_PEN, name="chunk ahead"))
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
        t = np.asarray(snapshot.history_t, dtype=np.float64)
        ahead = np.asarray(snapshot.chunk_ahead, dtype=np.float32).reshape(-1, len(self.plots))
        t_ahead = np.arange(1, len(ahead) + 1, dtype=np.float64) * tick_s
        for j in range(len(self.plots)):
            qpos, action = snapshot.history_qpos[:, j], snapshot.history_action[:, j]
            self.measured[j].setData(t, qpos, skipFiniteCheck=True)
            self.commanded[j].setData(t, action, skipFiniteCheck=True)
            if len(ahead):
                self.chunk[j].setData(t_ahead, ahead[:, j], skipFiniteCheck=True)
            else:
                self.chunk[j].clear()
            self._fit_y(j, (qpos, action, ahead[:, j]))
        self._set_x(float(t[0]), max(float(t_ahead[-1]) if len(t_ahead) else 0.0, 1.0))

    def show_episode(self, t: np.ndarray, qpos: np.ndarray, action: np.ndarray) -> None:
        """Draw a whole recorded episode (time in seconds from its start)."""
        for j in range(len(self.plots)):
            self.measured[j].setData(t, qpos[:, j])
            self.commanded[j].setData(t, action[:, j])
            self.chunk[j].clear()
            self.cursors[j].setPen(CURSOR_PEN)
            self._y_ranges[j] = None
            self._fit_y(j, (qpos[:, j], action[:, j]))
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
                item.clear()

    def _set_x(self, left: float, right: float) -> None:
        # the history grows for its first seconds; after that the window stays put
        if self._x_range is None or abs(self._x_range[0] - left) > 0.5 or self._x_range[1] != right:
            self._x_range = (left, right)
            self.plots[0].setXRange(left, right, padding=0.0)

    def _fit_y(self, j: int, series: tuple[np.ndarray, ...]) -> None:
        values = np.concatenate([np.ravel(s) for s in series if len(s)])
        values = values[np.isfinite(values)]
        if not len(values):
            return
        low, high = float(values.min()), float(values.max())
        current = self._y_ranges[j]
        if current is not None:
            inside = current[0] <= low and high <= current[1]
            too_wide = (current[1] - current[0]) > 4 * max(high - low, MIN_SPAN)
            if inside and not too_wide:
                return  # moving the axis every frame would make the plots jitter
        middle, span = (low + high) / 2, max(high - low, MIN_SPAN) * 1.3
        self._y_ranges[j] = (middle - span / 2, middle + span / 2)
        self.plots[j].setYRange(*self._y_ranges[j], padding=0.0)
