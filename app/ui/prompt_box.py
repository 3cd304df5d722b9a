"""A prompt entry with the history of recent prompts; Enter submits."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
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
        self._suggested: tuple[str, ...] = ()  # phrasings the policy was trained on
        self._submitting = False  # an Enter is being handled
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

    def suggest(self, phrasings: tuple[str, ...]) -> None:
        """Offer the policy's training phrasings below the history in the drop-down."""
        self._suggested = tuple(phrasings)
        self.reload_history()

    def reload_history(self) -> None:
        """Fill the drop-down from the saved history (then the suggestions), keeping the text
        being typed."""
        text = self.currentText()
        self.blockSignals(True)
        self.clear()
        recent = self.settings.recent_prompts()
        self.addItems(recent)
        suggested = [p for p in self._suggested if p not in recent]
        if suggested:
            if recent:
                self.insertSeparator(self.count())
            self.addItems(suggested)
        self.setEditText(text)
        self.blockSignals(False)

    def _submit(self) -> None:
        # The combo box hands its line edit's Return on a second time: one Enter, one submit.
        if self.prompt and not self._submitting:
            self._submitting = True
            QTimer.singleShot(0, self._submitted)
            self.submitted.emit(self.prompt)

    def _submitted(self) -> None:
        self._submitting = False
