"""The main window: toolbar, tabs and status bar, refreshed from session snapshots on a timer."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QMainWindow, QTabWidget, QWidget

from app.runtime.snapshot import Mode, SessionSnapshot
from app.ui.session_controller import SessionController
from app.ui.settings import Settings
from app.ui.status_bar import HealthStatusBar
from app.ui.toolbar import RobotToolBar

REFRESH_MS = 33  # ~30 Hz: the GUI pulls snapshots; the session never pushes per frame


class MainWindow(QMainWindow):
    """Shows the session; every tab with `show_snapshot(snapshot)` gets each new snapshot."""

    def __init__(
        self,
        controller: SessionController,
        settings: Settings,
        tabs: list[QWidget],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("pi0 Studio")
        self.controller = controller
        self.settings = settings
        self.robot_toolbar = RobotToolBar(self)
        self.addToolBar(self.robot_toolbar)
        self.health = HealthStatusBar(parent=self)
        self.setStatusBar(self.health)
        self.tabs = QTabWidget(self)
        for tab in tabs:
            self.tabs.addTab(tab, getattr(tab, "title", type(tab).__name__))
        self.setCentralWidget(self.tabs)
        self.robot_toolbar.estop_requested.connect(self.estop)
        self.robot_toolbar.reset_requested.connect(controller.reset_estop)
        controller.message.connect(self._show_message)
        self._estop_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        self._estop_shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
        self._estop_shortcut.activated.connect(self.estop)
        self._space_filter = SpaceStopFilter(self)
        QApplication.instance().installEventFilter(self._space_filter)
        self.last_snapshot: SessionSnapshot | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self._restore_layout()

    def tab(self, title: str) -> QWidget:
        """The tab named `title` (e.g. "Operate")."""
        for index in range(self.tabs.count()):
            if self.tabs.tabText(index) == title:
                return self.tabs.widget(index)
        raise KeyError(title)

    def estop(self) -> None:
        """Stop the robot now; latched until reset."""
        self.controller.estop()
        self.refresh()
        self.health.showMessage("E-STOP: robot stopped; press Reset E-STOP to continue", 10000)

    def refresh(self) -> None:
        """Pull the latest snapshot and show it in the bars and the visible tab."""
        snapshot = self.controller.snapshot()
        self.last_snapshot = snapshot
        choice = self.controller.choice
        self.robot_toolbar.show_state(
            self.controller.connection,
            choice.describe() if choice else "",
            self.controller.policy_status,
            snapshot,
        )
        self.health.show_snapshot(snapshot)
        # every tab follows the session (the Record tab sequences episodes even when hidden);
        # each one draws its heavy parts only while visible
        for index in range(self.tabs.count()):
            show = getattr(self.tabs.widget(index), "show_snapshot", None)
            if show is not None:
                show(snapshot)

    def policy_running(self) -> bool:
        """True while the policy drives the robot (the space bar then stops it)."""
        snapshot = self.controller.snapshot()  # fresh: the key may come between two refreshes
        return snapshot is not None and snapshot.mode == Mode.POLICY and not snapshot.estopped

    def _show_message(self, text: str) -> None:
        self.health.showMessage(text, 10000)
        operate = self.tabs.widget(0)
        if hasattr(operate, "events"):
            operate.events.add_notice(text)

    def _restore_layout(self) -> None:
        geometry, state = self.settings.window_layout()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1500, 950)
        if state is not None:
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        """Save the layout, stop the timer and let every tab end its work."""
        self._timer.stop()
        QApplication.instance().removeEventFilter(self._space_filter)
        self.settings.set_window_layout(self.saveGeometry(), self.saveState())
        self.settings.sync()
        for index in range(self.tabs.count()):
            shutdown = getattr(self.tabs.widget(index), "shutdown", None)
            if shutdown is not None:
                shutdown()
        super().closeEvent(event)


class SpaceStopFilter(QObject):
    """Space anywhere in the app triggers the E-STOP while the policy runs (if enabled)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        """Swallow Space and stop the robot when armed; pass everything else on."""
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Space
            and not event.isAutoRepeat()
            and self.window.settings.estop_on_space()
            and self.window.policy_running()
        ):
            self.window.estop()
            return True
        return False
