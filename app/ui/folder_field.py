"""A folder path with a Browse button; remembers the last choice under a settings key."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QWidget

from app.ui.settings import Settings


class FolderField(QWidget):
    """Line edit + Browse…; `changed(path)` when the user picks or types a folder."""

    changed = Signal(str)

    def __init__(
        self, settings: Settings, key: str, placeholder: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.key = key
        self.edit = QLineEdit(settings.last_folder(key))
        self.edit.setPlaceholderText(placeholder)
        self.edit.editingFinished.connect(lambda: self.set_path(self.edit.text()))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self.browse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(browse)

    @property
    def path(self) -> str:
        """The folder shown, stripped."""
        return self.edit.text().strip()

    def set_path(self, path: str) -> None:
        """Show and remember `path`, and announce it."""
        self.edit.setText(path)
        if path:
            self.settings.set_last_folder(self.key, path)
        self.changed.emit(path)

    def browse(self) -> None:
        """Ask the user for a folder."""
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder", self.path)
        if folder:
            self.set_path(folder)
