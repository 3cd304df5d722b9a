"""The checkpoints of a run with their metrics, and "Use this policy"."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui.metrics_tail import MetricsTail
from app.ui.tabs.training_curves import fmt
from app.ui.training import list_checkpoints

LAST = 1 << 60  # "after every step": the metrics of the final checkpoint


class CheckpointList(QWidget):
    """One row per checkpoint directory (step, loss and eval success at that step)."""

    use_requested = Signal(str)  # the checkpoint directory to load

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(("checkpoint", "step", "loss", "eval success"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.use_button = QPushButton("Use this policy")
        self.use_button.setToolTip("Load the selected checkpoint into Operate")
        self.use_button.clicked.connect(self.use_selected)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addWidget(self.use_button)

    def show_run(self, out: Path, metrics: MetricsTail) -> None:
        """List the run's checkpoints (only when their number changed); select the newest."""
        entries = list_checkpoints(out)
        if self.table.rowCount() == len(entries):
            return
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            record = metrics.at_step(entry.step if entry.step is not None else LAST)
            step = entry.step if entry.step is not None else record.get("step", "")
            values = (
                entry.name,
                str(step),
                fmt(record.get("loss"), ".4f"),
                fmt(record.get("eval_success_rate"), ".0%"),
            )
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, str(entry.path))
                self.table.setItem(row, column, item)
        self.table.selectRow(len(entries) - 1)

    def clear(self) -> None:
        """No checkpoints (a new run starts)."""
        self.table.setRowCount(0)

    def names(self) -> list[str]:
        """The checkpoint names listed, in order."""
        return [self.table.item(row, 0).text() for row in range(self.table.rowCount())]

    def selected(self) -> str | None:
        """The directory of the selected checkpoint."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)

    def use_selected(self) -> None:
        """Ask for the selected checkpoint to be loaded."""
        path = self.selected()
        if path is not None:
            self.use_requested.emit(path)
