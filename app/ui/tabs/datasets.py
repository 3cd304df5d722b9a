"""Datasets: a folder of episodes (bad ones marked and why), replay, edit, trash, statistics."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui import episodes
from app.ui.episodes import EpisodeRow
from app.ui.folder_field import FolderField
from app.ui.joint_plots import JOINT_LABELS
from app.ui.layouts import stacked, titled
from app.ui.settings import Settings
from app.ui.tabs.replay import ReplayPanel
from app.ui.workers import BackgroundTasks
from recordings.files import set_episode_prompt

COLUMNS = ("file", "status", "prompt", "steps", "seconds", "cameras", "kind")
CAMERAS_COLUMN = COLUMNS.index("cameras")  # the count; the names are in its tooltip
BAD_BACKGROUND = QColor("#ffebee")


class DatasetsTab(QWidget):
    """Open a folder, see which episodes are good, replay one, fix its prompt, or trash it."""

    title = "Datasets"

    def __init__(
        self, settings: Settings, tasks: BackgroundTasks, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.rows: list[EpisodeRow] = []
        self.loading = False
        self._notice = ""  # said once, after the next scan (e.g. where a file was moved)
        self.folder = FolderField(
            settings, "datasets", "folder of episode_<N>.hdf5 files, or a LeRobot dataset"
        )
        self.folder.changed.connect(self.open_folder)
        reload_button = QPushButton("Reload")
        reload_button.clicked.connect(lambda: self.open_folder(self.folder.path))
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.status = QLabel("Open a folder of episodes.")
        self.status.setWordWrap(True)
        self.stats = QLabel()
        self.stats.setWordWrap(True)
        self.edit_button = QPushButton("Edit prompt…")
        self.edit_button.clicked.connect(self._ask_prompt)
        self.delete_button = QPushButton("Move to trash…")
        self.delete_button.clicked.connect(self._ask_delete)
        self.stats_button = QPushButton("Joint statistics")
        self.stats_button.setToolTip("Mean, spread and 1-99 % range of every joint (good files)")
        self.stats_button.clicked.connect(self.compute_statistics)
        self.joint_stats = QTableWidget(0, 5)
        self.joint_stats.setHorizontalHeaderLabels(
            ("joint", "state mean ± std", "state 1–99 %", "action mean ± std", "action 1–99 %")
        )
        self.joint_stats.verticalHeader().setVisible(False)
        self.joint_stats.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.joint_stats.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.joint_stats.hide()
        self.replay = ReplayPanel()
        self._build(reload_button)
        self._enable_row_buttons()

    def _build(self, reload_button: QPushButton) -> None:
        top = QHBoxLayout()
        top.addWidget(QLabel("Dataset folder"))
        top.addWidget(self.folder, 1)
        top.addWidget(reload_button)
        row_buttons = QHBoxLayout()
        row_buttons.addWidget(self.edit_button)
        row_buttons.addWidget(self.delete_button)
        row_buttons.addWidget(self.stats_button)
        row_buttons.addStretch(1)
        statistics = titled("Statistics", self.stats, self.joint_stats)
        table_side = stacked(self.table, self.status, row_buttons, statistics)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(table_side)
        split.addWidget(titled("Replay", self.replay))
        split.setSizes([560, 1040])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(split, 1)

    # --- loading -------------------------------------------------------------------------
    def open_folder(self, folder: str) -> None:
        """Scan `folder` in the background and fill the table."""
        if not folder:
            return
        self.loading = True
        self.status.setText(f"Checking the episodes in {folder}…")
        self.tasks.submit(
            episodes.scan_folder, folder, on_done=self._show_rows, on_error=self._scan_failed
        )

    def _scan_failed(self, error: BaseException) -> None:
        self.loading = False
        self.rows = []
        self.table.setRowCount(0)
        self.stats.setText("")
        self.status.setText(f"Cannot open this folder: {error}")

    def _show_rows(self, rows: list[EpisodeRow]) -> None:
        self.loading = False
        self.rows = rows
        self.replay.close_episode()
        self.table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            self._fill_row(index, row)
        bad = sum(not row.ok for row in rows)
        summary = f"{len(rows)} files" + (f", {bad} bad (red; hover for why)." if bad else ".")
        self.status.setText(f"{self._notice} {summary}".strip())
        self._notice = ""
        self.stats.setText(episodes.dataset_stats(rows).describe())
        self._enable_row_buttons()

    def _fill_row(self, index: int, row: EpisodeRow) -> None:
        kind = "" if row.sim is None else ("sim" if row.sim else "real")
        values = (
            row.path.name,
            "OK" if row.ok else f"BAD: {_short(row.message)}",
            row.prompt,
            str(row.steps) if row.ok else "",
            f"{row.seconds:.1f}" if row.ok else "",
            str(len(row.cameras)) if row.ok else "",
            kind,
        )
        for column, value in enumerate(values):
            item = QTableWidgetItem(value)
            item.setToolTip(", ".join(row.cameras) if column == CAMERAS_COLUMN else row.message)
            if not row.ok:
                item.setBackground(BAD_BACKGROUND)
            self.table.setItem(index, column, item)

    # --- selection, replay, edit, delete -------------------------------------------------
    def selected_row(self) -> EpisodeRow | None:
        """The episode selected in the table."""
        selected = self.table.selectionModel().selectedRows()
        return self.rows[selected[0].row()] if selected else None

    def select(self, index: int) -> None:
        """Select row `index` (replays it when it is good)."""
        self.table.selectRow(index)

    def _selection_changed(self) -> None:
        row = self.selected_row()
        self._enable_row_buttons()
        if row is None:
            return
        if row.ok:
            self.replay.load(row.path)
        else:
            self.replay.close_episode()
            self.replay.title.setText(f"{row.path.name} cannot be replayed: {row.message}")

    def _enable_row_buttons(self) -> None:
        row = self.selected_row()
        self.edit_button.setEnabled(row is not None and row.ok and row.editable)
        self.delete_button.setEnabled(row is not None and row.editable)
        fixed = "" if row is None or row.editable else "Episodes of a LeRobot dataset are read-only"
        self.edit_button.setToolTip(fixed)
        self.delete_button.setToolTip(fixed)

    def _ask_prompt(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        prompt, accepted = QInputDialog.getText(
            self, "Edit prompt", f"Prompt of {row.path.name}:", text=row.prompt
        )
        if accepted:
            self.edit_prompt(row, prompt.strip())

    def edit_prompt(self, row: EpisodeRow, prompt: str) -> None:
        """Store a new prompt in the episode's file, then rescan the folder."""
        if not row.editable:
            self.status.setText("Episodes of a LeRobot dataset are read-only here.")
            return
        self.replay.after_release(  # the file must not be open for reading while it is written
            set_episode_prompt,
            row.path,
            prompt,
            on_done=lambda _: self.open_folder(self.folder.path),
            on_error=lambda error: self.status.setText(f"Cannot change the prompt: {error}"),
        )

    def _ask_delete(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        answer = QMessageBox.question(
            self,
            "Move to trash",
            f"Move {row.path.name} to {row.path.parent / episodes.TRASH_FOLDER}?",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.delete(row)

    def delete(self, row: EpisodeRow) -> None:
        """Move the episode to the folder's trash/ and say where it went."""
        if not row.editable:
            self.status.setText("Episodes of a LeRobot dataset are read-only here.")
            return

        def moved(target: Path) -> None:
            self._notice = f"Moved {row.path.name} to {target}."
            self.open_folder(self.folder.path)

        self.replay.after_release(
            episodes.move_to_trash,
            row.path,
            on_done=moved,
            on_error=lambda error: self.status.setText(f"Cannot move it: {error}"),
        )

    def compute_statistics(self) -> None:
        """Per-joint statistics of the good episodes, computed in the background."""
        good = [row.path for row in self.rows if row.ok]
        if not good:
            self.status.setText("No good episodes to compute statistics on.")
            return
        self.stats_button.setEnabled(False)
        self.tasks.submit(
            episodes.joint_statistics,
            good,
            on_done=self._show_joint_stats,
            on_error=lambda error: self._stats_failed(error),
        )

    def _show_joint_stats(self, stats: object) -> None:
        self.stats_button.setEnabled(True)
        self.joint_stats.setRowCount(len(JOINT_LABELS))
        for row, joint in enumerate(JOINT_LABELS):
            values = (
                joint,
                f"{stats.state_mean[row]:+.3f} ± {stats.state_std[row]:.3f}",
                f"{stats.state_q01[row]:+.2f} … {stats.state_q99[row]:+.2f}",
                f"{stats.action_mean[row]:+.3f} ± {stats.action_std[row]:.3f}",
                f"{stats.action_q01[row]:+.2f} … {stats.action_q99[row]:+.2f}",
            )
            for column, value in enumerate(values):
                self.joint_stats.setItem(row, column, QTableWidgetItem(value))
        self.joint_stats.show()

    def _stats_failed(self, error: BaseException) -> None:
        self.stats_button.setEnabled(True)
        self.status.setText(f"Cannot compute statistics: {error}")

    def shutdown(self) -> None:
        """Release the replayed file and its worker."""
        self.replay.shutdown()


def _short(text: str, limit: int = 48) -> str:
    """The start of a long message (the whole one is in the row's tooltip)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
