"""`run_app`: builds the window on a session and runs Qt; also the screenshot mode."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication

from app.ui import backend
from app.ui.backend import PolicyInfo, RobotChoice
from app.ui.main_window import MainWindow
from app.ui.platform_check import check_platform
from app.ui.session_controller import SessionController
from app.ui.settings import Settings
from app.ui.tabs.datasets import DatasetsTab
from app.ui.tabs.finetune import FinetuneTab
from app.ui.tabs.hardware import HardwareTab
from app.ui.tabs.operate import OperateTab
from app.ui.tabs.record import RecordTab
from app.ui.workers import BackgroundTasks

log = logging.getLogger(__name__)

SETTINGS_ENV = "PI0STUDIO_SETTINGS"  # an INI file to use instead of the user's settings


class Studio:
    """The assembled app: background tasks, the session controller and the main window."""

    def __init__(
        self,
        settings: Settings,
        open_session: Callable[[RobotChoice], Any] = backend.open_session,
        load_policy: Callable[[str | Path], tuple[Any, PolicyInfo]] = backend.load_policy,
    ) -> None:
        self.settings = settings
        self.tasks = BackgroundTasks()
        self.controller = SessionController(self.tasks, open_session, load_policy)
        tabs = [
            OperateTab(self.controller, settings),
            RecordTab(self.controller, settings),
            DatasetsTab(settings, self.tasks),
            FinetuneTab(self.controller, settings),
            HardwareTab(self.controller, settings, self.tasks),
        ]
        self.window = MainWindow(self.controller, settings, tabs)
        # "Use this policy" in Fine-tune: go and run it
        tabs[3].policy_chosen.connect(lambda: self.window.tabs.setCurrentIndex(0))

    def start(self, choice: RobotChoice, checkpoint: str | Path | None) -> None:
        """Show the window, then open the robot and load the policy in the background."""
        self.window.show()
        self.controller.open(choice)
        self.controller.load_policy(checkpoint)

    def close(self) -> None:
        """Close the window, stop the session and join every worker thread."""
        self.window.close()
        self.controller.close()
        self.tasks.shutdown()
        # Qt deletes the widgets at its next event pass, on this thread, parents before
        # children; left to Python's garbage collector the order is arbitrary.
        self.window.deleteLater()


def run_app(args: argparse.Namespace) -> int:
    """Open the desktop app (or save screenshots with `--screenshot DIR`); the exit code."""
    _check_display(screenshots=getattr(args, "screenshot", None) is not None)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("pi0 Studio")
    app.setOrganizationName("pi0studio")
    screenshot_dir = getattr(args, "screenshot", None)
    settings = _settings(screenshot_dir is not None, getattr(args, "settings", None))
    choice = RobotChoice(
        kind=args.robot,
        task=args.task,
        config=args.config,
        allow_uncalibrated=getattr(args, "allow_uncalibrated", False),
    )
    checkpoint = args.checkpoint or backend.bundled_checkpoint()
    if args.config:
        settings.set_robot_config_path(Path(args.config).resolve())
    load = _policy_loader(args, checkpoint)
    studio = Studio(settings, load_policy=load)
    studio.start(choice, checkpoint)
    tour = None
    if screenshot_dir is not None:
        from app.ui.screenshots import ScreenshotTour

        tour = ScreenshotTour(studio, Path(screenshot_dir), on_finished=app.quit)
        tour.start()
    try:
        code = app.exec()
    finally:
        studio.close()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    if tour is not None and tour.error:
        print(f"error: {tour.error}", file=sys.stderr)
        return 1
    return int(code)


def _check_display(screenshots: bool) -> None:
    """Screenshots need no display (offscreen); the window does, and says so if there is none
    or if Qt's plugin for it lacks system libraries."""
    if sys.platform != "linux":
        return
    has_display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    if not os.environ.get("QT_QPA_PLATFORM") and not has_display:
        if not screenshots:
            raise RuntimeError(
                "no display to open the window on (DISPLAY is not set): run it in a desktop "
                "session, or use the subcommands (`main.py --help`) or `--screenshot DIR` on a "
                "headless machine"
            )
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    check_platform()


def _settings(temporary: bool, path: str | None = None) -> Settings:
    if path or os.environ.get(SETTINGS_ENV):
        return Settings.at(path or os.environ[SETTINGS_ENV])
    if temporary:  # screenshots must not depend on (or change) the user's settings
        return Settings.at(Path(tempfile.mkdtemp(prefix="pi0studio-")) / "settings.ini")
    return Settings.for_user()


def _policy_loader(args: argparse.Namespace, checkpoint: str | Path | None):
    """backend.load_policy with --compile and --prompt-as-typed for every policy, and
    --norm-stats/--tokenizer/--convention applied to the --checkpoint they were given for (not
    to policies chosen later in the app)."""
    from app.cli.checkpoint_options import checkpoint_options

    compile, options = bool(getattr(args, "compile", False)), checkpoint_options(args)
    everywhere = {key: value for key, value in options.items() if key == "phrasing"}

    def load(path: str | Path):
        mine = checkpoint is not None and Path(path) == Path(checkpoint)
        return backend.load_policy(path, compile=compile, **(options if mine else everywhere))

    return load
