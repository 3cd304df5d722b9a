"""Small layout helpers shared by the tabs."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QGroupBox, QLayout, QVBoxLayout, QWidget


def stacked(*items: QWidget | QLayout, margins: int = 0, stretch: bool = False) -> QWidget:
    """A plain widget holding `items` top to bottom (`stretch`: spare room goes below them)."""
    holder = QWidget()
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(margins, margins, margins, margins)
    for item in items:
        if isinstance(item, QLayout):
            layout.addLayout(item)
        else:
            layout.addWidget(item)
    if stretch:
        layout.addStretch(1)
    return holder


def titled(title: str, *items: QWidget | QLayout) -> QGroupBox:
    """A group box with a title around `items`, top to bottom."""
    group = QGroupBox(title)
    layout = QVBoxLayout(group)
    layout.setContentsMargins(6, 6, 6, 6)
    for item in items:
        if isinstance(item, QLayout):
            layout.addLayout(item)
        else:
            layout.addWidget(item)
    return group


def set_style(widget: QWidget, style: str) -> None:
    """Set a style sheet only when it changes (restyling every tick costs a relayout)."""
    if widget.styleSheet() != style:
        widget.setStyleSheet(style)


class Lazy(QWidget):
    """Builds its content when first shown or asked for: hidden tabs' plots cost nothing."""

    def __init__(self, build: Callable[[], QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._build = build
        self.content: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    def get(self) -> QWidget:
        """The content, built now if it was not yet."""
        if self.content is None:
            self.content = self._build()
            self.layout().addWidget(self.content)
        return self.content

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        """Build on first show."""
        self.get()
        super().showEvent(event)
