"""The before/after table of a fine-tuning run: success per task, start and result."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui.layouts import set_style
from app.ui.metrics_tail import MetricsTail
from app.ui.training import before_after, worse_warning

WORSE_STYLE = "color: #b71c1c; font-weight: bold;"
EMPTY = (
    "Before/after appears here when the run starts from a checkpoint and its episodes come "
    "from a simulated task (or a task is chosen under Evaluate on)."
)


class BeforeAfterTable(QWidget):
    """One row per task: the starting checkpoint's success, the result's, and the change."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(("task", "before", "after", "change"))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verdict = QLabel(EMPTY)
        self.verdict.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addWidget(self.verdict)

    def show_metrics(self, metrics: MetricsTail) -> None:
        """Fill the table from the run's eval_before / eval_after records."""
        before, after = before_after(metrics.records)
        tasks = list(dict.fromkeys([*before, *after]))
        self.table.setRowCount(len(tasks))
        for row, task in enumerate(tasks):
            start, result = before.get(task), after.get(task)
            change = "" if start is None or result is None else f"{100 * (result - start):+.0f} pts"
            for column, text in enumerate((task, _rate(start), _rate(result), change)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        warning = worse_warning(before, after)
        if warning:
            self.verdict.setText(warning)
        elif after:
            self.verdict.setText("Not worse than the starting checkpoint on any task.")
        elif before:
            self.verdict.setText("Starting checkpoint measured; the result is measured at the end.")
        else:
            self.verdict.setText(EMPTY)
        set_style(self.verdict, WORSE_STYLE if warning else "")

    def clear(self) -> None:
        """No run shown."""
        self.table.setRowCount(0)
        self.verdict.setText(EMPTY)
        set_style(self.verdict, "")


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"
