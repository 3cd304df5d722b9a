"""A prompt entry with the history of recent prompts; Enter submits."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QWidget

from app.ui.settings import Settings


class PromptBox(QComboBox):
    """Editable combo box: type a new prompt or pick a recent one; Enter emits `submitted`."""

    submitted = Signal(str)

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)  # history is ours, not Qt's
        self.lineEdit().setPlaceholderText("Tell the robot what to do, e.g. pick up the red cube")
        self.lineEdit().returnPressed.connect(self._submit)
        self.reload_history()

    @property
    def prompt(self) -> str:
        """The text in the box, stripped."""
        return self.currentText().strip()

    def set_prompt(self, text: str) -> None:
        """Put `text` in the box."""
        self.setEditText(text)

    def remember(self, prompt: str) -> None:
        """Add `prompt` to the saved history and to the drop-down."""
        self.settings.add_prompt(prompt)
        self.reload_history()
        self.setEditText(prompt)

    def reload_history(self) -> None:
        """Fill the drop-down from the saved history, keeping the text being typed."""
        text = self.currentText()
        self.blockSignals(True)
        self.clear()
        self.addItems(self.settings.recent_prompts())
        self.setEditText(text)
        self.blockSignals(False)

    def _submit(self) -> None:
        if self.prompt:
            self.submitted.emit(self.prompt)
