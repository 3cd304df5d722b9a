"""Owns the running RobotSession and the loaded policy; every tab commands the robot through it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.runtime.snapshot import Mode, SessionSnapshot
from app.ui import backend
from app.ui.backend import PolicyInfo, RobotChoice
from app.ui.workers import BackgroundTasks

log = logging.getLogger(__name__)


class SessionController(QObject):
    """Opens, commands and closes the session; slow steps run in background tasks."""

    state_changed = Signal()  # connection state or policy changed
    message = Signal(str)  # an error or notice for the user

    def __init__(
        self,
        tasks: BackgroundTasks,
        open_session: Callable[[RobotChoice], Any] = backend.open_session,
        load_policy: Callable[[str | Path], tuple[Any, PolicyInfo]] = backend.load_policy,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._open_session = open_session
        self._load_policy = load_policy
        self.session: Any = None
        self._opening: Future | None = None  # the open in progress, if any
        self.choice: RobotChoice | None = None
        self.connection = "closed"  # "connecting", "connected", "failed" or "closed"
        self.connection_error = ""
        self.policy: Any = None
        self.policy_info: PolicyInfo | None = None
        self.policy_status = "no policy loaded"
        self.policy_loading = False
        self.default_prompt = ""  # the simulator's prompt for its scene, "" on hardware

    def run_in_background(self, work: Callable[..., Any], *args: Any, **callbacks: Any) -> Future:
        """Run slow work (e.g. the scripted expert's demos) off the GUI thread."""
        return self._tasks.submit(work, *args, **callbacks)

    # --- opening and closing -------------------------------------------------------------
    def open(self, choice: RobotChoice) -> None:
        """Close the current session (if any) and open `choice` in the background."""
        old, self.session = self.session, None
        self.choice = choice
        self.connection = "connecting"
        self.connection_error = ""
        self.state_changed.emit()

        def work() -> Any:
            if old is not None:
                backend.close_session(old)
            return self._open_session(choice)

        self._opening = self._tasks.submit(work, on_done=self._opened, on_error=self._open_failed)

    def _opened(self, session: Any) -> None:
        self.session = session
        self.connection = "connected"
        self.default_prompt = backend.default_prompt(session)
        if self.policy is not None:
            session.set_policy(self.policy)
        self.state_changed.emit()

    def _open_failed(self, error: BaseException) -> None:
        self.connection = "failed"
        self.connection_error = _one_line(error)
        log.error("could not open the robot: %s", self.connection_error)
        self.message.emit(f"Could not open the robot: {self.connection_error}")
        self.state_changed.emit()

    def close(self) -> None:
        """Stop the session now, and one still being opened (blocking, for shutdown)."""
        session, self.session = self.session, None
        opening, self._opening = self._opening, None
        self.connection = "closed"
        if opening is not None:
            try:
                opened = opening.result()  # an open in progress: wait, then close it too
            except Exception:  # it failed or never started: nothing to close
                opened = None
            if opened is not None and opened is not session:
                backend.close_session(opened)
        if session is not None:
            backend.close_session(session)

    # --- policy --------------------------------------------------------------------------
    def load_policy(self, path: str | Path | None) -> None:
        """Load a checkpoint in the background; None says why there is no policy."""
        if path is None:
            reason = backend.missing_module("pi0_core.policy") or "bundled checkpoint not found"
            self.policy_status = f"no policy: {reason}"
            self.state_changed.emit()
            return
        self.policy_loading = True
        self.policy_status = f"loading {Path(path).name}…"
        self.state_changed.emit()
        self._tasks.submit(
            self._load_policy, path, on_done=self._policy_loaded, on_error=self._policy_failed
        )

    def _policy_loaded(self, loaded: tuple[Any, PolicyInfo]) -> None:
        self.policy, self.policy_info = loaded
        self.policy_loading = False
        self.policy_status = f"policy: {self.policy_info.name}"
        if self.session is not None:
            self.session.set_policy(self.policy)
        self.state_changed.emit()

    def _policy_failed(self, error: BaseException) -> None:
        self.policy_loading = False
        self.policy_status = f"no policy: {_one_line(error)}"
        self.message.emit(f"Could not load the policy: {_one_line(error)}")
        self.state_changed.emit()

    # --- commands ------------------------------------------------------------------------
    def snapshot(self) -> SessionSnapshot | None:
        """The latest session state, or None while no session is open."""
        return self.session.snapshot() if self.session is not None else None

    def run(self, prompt: str) -> bool:
        """Let the policy drive the followers with `prompt`; False (and a message) if it cannot."""
        if self.policy is None:
            self.message.emit(f"Cannot run: {self.policy_status}")
            return False
        snapshot = self.snapshot()
        if snapshot is not None and snapshot.estopped:
            self.message.emit("Cannot run: the E-STOP is latched; reset it first.")
            return False
        return self._command(lambda s: (s.set_prompt(prompt), s.set_mode(Mode.POLICY)))

    def set_mode(self, mode: Mode) -> bool:
        """Switch what drives the followers (idle, hold, teleop)."""
        return self._command(lambda s: s.set_mode(mode))

    def set_prompt(self, prompt: str) -> bool:
        """Change the prompt without changing the mode."""
        return self._command(lambda s: s.set_prompt(prompt))

    def reset_scene(self, new: bool = False) -> bool:
        """Simulator: the same scene from the start (or a new one, `new`), the arms idle."""
        return self._command(lambda s: backend.reset_scene(s, new))

    @property
    def has_scene(self) -> bool:
        """Whether the robot is the simulator, whose scene can be reset."""
        return self.session is not None and self.session.robot.physics is not None

    def estop(self) -> None:
        """Stop the followers now and latch; always allowed."""
        if self.session is not None:
            self.session.estop()
            self.state_changed.emit()

    def reset_estop(self) -> bool:
        """Clear the latched E-STOP (the robot stays idle)."""
        done = self._command(lambda s: s.reset_estop())
        self.state_changed.emit()
        return done

    @property
    def recorder(self) -> Any:
        """The session's episode recorder, or None while no session is open."""
        return self.session.recorder if self.session is not None else None

    def _command(self, command: Callable[[Any], object]) -> bool:
        if self.session is None:
            self.message.emit("The robot is not connected.")
            return False
        try:
            command(self.session)
        except Exception as exc:  # the session refuses (e.g. latched E-STOP): tell the user
            self.message.emit(_one_line(exc))
            return False
        return True


def _one_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
