"""The Record tab's choice of played leader (simulator): source switch and the key pad."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.ui.leader_panel import LeaderPanel


class FakePlayed:
    """Records what the panel asks of the simulator's played leaders."""

    def __init__(self) -> None:
        self.source = "expert"
        self.keys: list[str] = []

    def use(self, source: str) -> None:
        self.source = source

    def press(self, key: str) -> bool:
        self.keys.append(key)
        return True


def test_choosing_the_keyboard_shows_the_pad_and_sends_it_the_keys(qtbot) -> None:
    played = FakePlayed()
    panel = LeaderPanel(lambda: played, on_error=lambda text: None)
    qtbot.addWidget(panel)
    panel.show()
    assert not panel.pad.isVisible()
    panel.set_source("keyboard")
    assert played.source == "keyboard" and panel.pad.isVisible()
    panel.pad.setFocus()
    for key in (Qt.Key.Key_D, Qt.Key.Key_R, Qt.Key.Key_Tab):
        qtbot.keyClick(panel.pad, key)
    assert played.keys == ["d", "r", "\t"]
    panel.close()
