"""Run by test_x_server.py in a process of its own: the app on the X server in DISPLAY (xcb
platform), one screenshot of the whole screen once the main window is shown, then quit.

Usage: python -m tests.app.ui.x_server_app SCREENSHOT.png SETTINGS.ini
"""

from __future__ import annotations

import sys

from app.ui.platform_check import check_platform

SETTLE_MS = 2000  # after the window is exposed: let it lay out and paint


def main(screenshot: str, settings: str) -> int:
    """Open the app as `main.py` does, save the screen to `screenshot`, exit with its code."""
    check_platform()  # the same check as run_app, before the plugin loads below
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.cli.main import main as cli_main
    from app.ui.main_window import MainWindow

    app = QApplication(sys.argv[:1])  # run_app uses this one

    def shown() -> bool:
        return any(
            isinstance(w, MainWindow) and w.windowHandle() and w.windowHandle().isExposed()
            for w in app.topLevelWidgets()
        )

    def shoot() -> None:
        if not app.primaryScreen().grabWindow(0).save(screenshot):
            print(f"could not save {screenshot}", file=sys.stderr)
        app.quit()

    def poll() -> None:
        QTimer.singleShot(SETTLE_MS, shoot) if shown() else QTimer.singleShot(100, poll)

    QTimer.singleShot(100, poll)
    return cli_main(["--settings", settings])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
