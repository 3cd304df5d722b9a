"""Between the action source and the arms: holding, the watchdog and the safety layer."""

from __future__ import annotations

import logging

import numpy as np

from app.runtime.events import EventLog
from app.runtime.safety import SafetyLayer
from app.runtime.snapshot import Mode


class ActionGate:
    """Decides each tick's command from the mode, the e-stop and what the source proposed."""

    def __init__(self, safety: SafetyLayer, events: EventLog) -> None:
        self.safety = safety
        self.events = events
        self.watchdog_tripped = False
        self.safety_events = 0  # refusals and watchdog trips
        self.clamped_ticks = 0  # ticks on which a limit changed the action
        self._hold_target: np.ndarray | None = None
        self._last_fresh: float | None = None  # when the source last gave an action

    def enter_mode(self, mode: Mode) -> None:
        """A new mode starts by holding the last command; its watchdog arms on its first action."""
        self._hold_target = self.safety.last_command
        self._last_fresh = None
        self.watchdog_tripped = False
        if mode is Mode.IDLE:
            self.safety.reset()

    def hold_here(self) -> None:
        """Hold where the arm is now, not where it was going (after e-stop or its release)."""
        self._hold_target = None
        self.safety.reset()

    def command(
        self,
        mode: Mode,
        estop: str | None,
        proposal: np.ndarray | None,
        qpos: np.ndarray,
        effort: np.ndarray,
        now: float,
    ) -> np.ndarray | None:
        """The (14,) action to send this tick, or None to send nothing.

        `estop`: None, or the configured e-stop action ("hold" or "torque_off") while latched.
        """
        if estop is not None:
            return None if estop == "torque_off" else self._held(qpos)
        if mode is Mode.IDLE:
            return None
        if mode is Mode.HOLD:
            return self._held(qpos)
        if proposal is None:
            self._check_watchdog(now)
            return self._held(qpos)
        self._last_fresh = now
        self._hold_target = None  # a later gap holds this action, not an older target
        if self.watchdog_tripped:
            self.watchdog_tripped = False
            self.events.add("actions resumed")
        filtered = self.safety.filter(proposal, qpos, effort)
        if filtered.refused:
            self._safety_event(f"refused {filtered.refused}: holding")
        elif filtered.clamped:
            self.clamped_ticks += 1
        return filtered.action

    def _held(self, qpos: np.ndarray) -> np.ndarray:
        if self._hold_target is None:
            base = self.safety.last_command
            self._hold_target = (base if base is not None else qpos).copy()
        self.safety.last_command = self._hold_target
        return self._hold_target

    def _check_watchdog(self, now: float) -> None:
        if self._last_fresh is None or self.watchdog_tripped:
            return  # armed by the first action of this mode, trips once per silence
        silent = now - self._last_fresh
        if silent > self.safety.config.watchdog_s:
            self.watchdog_tripped = True
            self._hold_target = None  # hold the last command sent
            self._safety_event(f"watchdog: no action for {silent * 1000:.0f} ms: holding")

    def _safety_event(self, message: str) -> None:
        self.safety_events += 1
        self.events.add(message, logging.WARNING)
