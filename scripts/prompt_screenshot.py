"""Type one prompt into the Operate tab on the simulator, as a person would, and save the window.

    xvfb-run -a -s "-screen 0 1920x1080x24" env QT_QPA_PLATFORM=xcb \\
        .venv/bin/python scripts/prompt_screenshot.py "lift the blue one please" OUT.png

The bundled policy on the default pick_color scene; the window is saved SECONDS (default 9)
after Enter, and the Operate tab's status and last log lines are printed.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.ui import backend
from app.ui.application import Studio
from app.ui.backend import RobotChoice
from app.ui.settings import Settings


def _spin(app: QApplication, seconds: float, until=lambda: False) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end and not until():
        app.processEvents()
        time.sleep(0.02)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prompt")
    parser.add_argument("out", type=Path)
    parser.add_argument("--seconds", type=float, default=9.0)
    args = parser.parse_args()
    app = QApplication([])
    settings = Settings.at(Path(tempfile.mkdtemp(prefix="pi0studio-")) / "settings.ini")
    studio = Studio(settings)
    studio.start(RobotChoice(kind="sim", task="pick_color"), backend.bundled_checkpoint())
    studio.window.resize(1600, 1000)
    studio.window.show()
    _spin(app, 60, lambda: studio.controller.policy is not None)
    operate = studio.window.tab("Operate")
    line = operate.prompt.lineEdit()
    line.clear()
    QTest.keyClicks(line, args.prompt)
    QTest.keyClick(line, Qt.Key.Key_Return)
    _spin(app, args.seconds)
    studio.window.grab().save(str(args.out))
    print(operate.task_state.text())
    print("\n".join(operate.events.lines()[-4:]))
    studio.close()


if __name__ == "__main__":
    main()
