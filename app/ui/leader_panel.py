"""Record tab, simulator: who plays the leader arms (the scripted expert or the keyboard)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QWidget

from app.ui import backend

SOURCES = {"expert": "Scripted expert of the task", "keyboard": "Keyboard (end-effector moves)"}
PAD_IDLE = "Click here, then drive the arm with the keys"
PAD_FOCUSED = "Keys go to the arm (click elsewhere to stop)"


class KeyPad(QLabel):
    """A focusable area: while it has the focus, each key press goes to `on_key(char)`."""

    def __init__(self, on_key: Callable[[str], bool]) -> None:
        super().__init__(PAD_IDLE)
        self.on_key = on_key
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumHeight(40)
        self.setStyleSheet("border: 1px dashed gray; padding: 6px;")

    def event(self, event: QEvent) -> bool:
        """Tab switches the arm here instead of moving the focus."""
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            text = "\t" if event.key() == Qt.Key.Key_Tab else event.text()
            if text and self.on_key(text):
                return True
        return super().event(event)

    def focusInEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        self.setText(PAD_FOCUSED)
        self.setStyleSheet("border: 2px solid #2a7; padding: 6px;")
        super().focusInEvent(event)

    def focusOutEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        self.setText(PAD_IDLE)
        self.setStyleSheet("border: 1px dashed gray; padding: 6px;")
        super().focusOutEvent(event)


class LeaderPanel(QWidget):
    """Choose the simulator's played leader; the key pad and its help show for the keyboard."""

    def __init__(self, played: Callable[[], Any], on_error: Callable[[str], None]) -> None:
        super().__init__()
        self._played = played  # -> the session's PlayedLeaders, or None (not a simulator)
        self._on_error = on_error
        self.source = QComboBox()
        for key, label in SOURCES.items():
            self.source.addItem(label, key)
        self.source.currentIndexChanged.connect(lambda _: self._use(self.source.currentData()))
        self.keys = QLabel(backend.keyboard_help())
        self.keys.setWordWrap(True)
        self.pad = KeyPad(self._press)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Leader arms", self.source)
        form.addRow(self.keys)
        form.addRow(self.pad)
        self._show_keys()

    def set_source(self, source: str) -> None:
        """Select "expert" or "keyboard" (as the combo box does)."""
        self.source.setCurrentIndex(self.source.findData(source))

    def _use(self, source: str) -> None:
        played = self._played()
        if played is not None:
            try:
                played.use(source)
            except ValueError as exc:  # a task without an expert
                self._on_error(str(exc))
        self._show_keys()

    def _show_keys(self) -> None:
        keyboard = self.source.currentData() == "keyboard"
        self.keys.setVisible(keyboard)
        self.pad.setVisible(keyboard)

    def _press(self, key: str) -> bool:
        played = self._played()
        return played is not None and played.press(key)
