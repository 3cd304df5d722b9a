"""Live curves of a training run: loss, learning rate, evaluation success, and its figures."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.ui.metrics_tail import MetricsTail

LOSS_PEN = pg.mkPen("#1565c0", width=2)
LR_PEN = pg.mkPen("#6a1b9a", width=2)
EVAL_PEN = pg.mkPen("#2e7d32", width=2)
# The auxiliary losses, drawn beside the flow-matching loss when the run has them.
AUXILIARY = {
    "object_loss": ("object", pg.mkPen("#ef6c00", width=1.5)),
    "named_loss": ("named object", pg.mkPen("#c62828", width=1.5)),
    "teacher_gap": ("rehearsed: gap to the start", pg.mkPen("#546e7a", width=1.5)),
}


class TrainingCurves(QWidget):
    """Three plots side by side and a line of figures (step, loss, samples/s, ETA, eval)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setBackground("w")
        loss = self.plots.addPlot(row=0, col=0, title="training loss")
        loss.setLogMode(y=True)
        self.legend = loss.addLegend(offset=(-10, 10))
        self.loss_curve = loss.plot(pen=LOSS_PEN, symbol="o", symbolSize=4, name="flow matching")
        self.auxiliary_curves = {key: loss.plot(pen=pen) for key, (_, pen) in AUXILIARY.items()}
        learning_rate = self.plots.addPlot(row=0, col=1, title="learning rate")
        self.lr_curve = learning_rate.plot(pen=LR_PEN)
        evaluation = self.plots.addPlot(row=0, col=2, title="eval success rate")
        evaluation.setYRange(0, 1)
        self.eval_curve = evaluation.plot(pen=EVAL_PEN, symbol="o", symbolSize=6)
        for plot in (loss, learning_rate, evaluation):
            plot.setLabel("bottom", "step")
            plot.showGrid(x=True, y=True, alpha=0.2)
        self.figures = QLabel("step – · samples/s – · ETA – · eval –")
        self.figures.setStyleSheet("font-size: 13px; padding: 4px;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plots, 1)
        layout.addWidget(self.figures)

    def show_metrics(self, metrics: MetricsTail) -> None:
        """Redraw from every record read so far."""
        self.loss_curve.setData(*metrics.series("loss"))
        self.lr_curve.setData(*metrics.series("lr"))
        for key, curve in self.auxiliary_curves.items():
            steps, values = metrics.series(key)
            curve.setData(steps, values)
            listed = self.legend.getLabel(curve) is not None
            if steps and not listed:  # in the legend only while the run shown logs it
                self.legend.addItem(curve, AUXILIARY[key][0])
            elif not steps and listed:
                self.legend.removeItem(curve)
        evaluated, success = metrics.series("eval_success_rate")
        self.eval_curve.setData(evaluated, success)
        last = metrics.records[-1] if metrics.records else {}
        self.figures.setText(
            f"step {last.get('step', '–')} · loss {fmt(last.get('loss'), '.4f')} · "
            f"samples/s {fmt(last.get('samples_per_s'), '.1f')} · "
            f"ETA {eta(last.get('eta_s'))} · "
            f"eval {f'{success[-1]:.0%}' if success else '–'}"
        )


def fmt(value: object, spec: str) -> str:
    """`value` formatted, or a dash when it is not a number."""
    return format(value, spec) if isinstance(value, (int, float)) else "–"


def eta(seconds: object) -> str:
    """Seconds as m:ss or h:mm:ss, or a dash."""
    if not isinstance(seconds, (int, float)):
        return "–"
    minutes, secs = divmod(int(seconds), 60)
    if minutes >= 60:
        return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"
