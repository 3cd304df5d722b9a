"""Between the action source and the arms: holding, the watchdog and the safety layer."""

from __future__ import annotations

import logging

import numpy as np

from app.runtime.events import EventLog
from app.runtime.safety import ROBOT_DOF, SafetyLayer
from app.runtime.snapshot import Mode

OUT_OF_RANGE = (
    "the policy's actions fall outside the joint ranges: check its statistics and joint "
    "convention (holding)"
)


class ActionGate:
    """Decides each tick's command from the mode, the e-stop and what the source proposed."""

    def __init__(self, safety: SafetyLayer, events: EventLog) -> None:
        self.safety = safety
        self.events = events
        self.watchdog_tripped = False
        self.safety_events = 0  # refusals and watchdog trips
        self.clamped_ticks = 0  # ticks on which a limit changed the action
        self.clamped_by_joint = np.zeros(ROBOT_DOF, np.int64)  # (14,) ticks each joint was limited
        self.out_of_range: str | None = None  # set when the policy kept asking outside the ranges
        self._outside_run = 0  # consecutive policy ticks with a target outside the ranges
        self._hold_target: np.ndarray | None = None
        self._last_fresh: float | None = None  # when the source last gave an action

    def enter_mode(self, mode: Mode) -> None:
        """A new mode holds where the arm is measured now, and its first command starts from
        there (not from a target of the mode before); its watchdog arms on its first action."""
        self.safety.reset()
        self._hold_target = None
        self._last_fresh = None
        self._outside_run = 0
        self.watchdog_tripped = False
        if mode is Mode.POLICY:
            self.out_of_range = None

    def hold_here(self) -> None:
        """Hold where the arm is now, not where it was going (after e-stop or its release, or a
        simulator reset that moved the arm)."""
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
        if mode is Mode.HOLD or (mode is Mode.POLICY and self.out_of_range):
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
            self.clamped_by_joint += filtered.clamped_joints
        if mode is Mode.POLICY and self._policy_outside(filtered.beyond_range_rad):
            return self._held(qpos)
        return filtered.action

    def _policy_outside(self, beyond_rad: float) -> bool:
        """Count policy ticks asking past the ranges; past the limit, hold and say why."""
        config = self.safety.config
        self._outside_run = (
            self._outside_run + 1 if beyond_rad > config.out_of_range_margin_rad else 0
        )
        if self._outside_run < config.out_of_range_ticks:
            return False
        self.out_of_range = OUT_OF_RANGE  # the session reports it and stops the policy
        self._hold_target = None
        self.safety.reset()
        self.safety_events += 1
        return True

    def _held(self, qpos: np.ndarray) -> np.ndarray:
        if self._hold_target is None:
            base = self.safety.last_command
            # A measured position may lie a servo tick outside a range: hold inside it.
            self._hold_target = self.safety.clip((base if base is not None else qpos).copy())
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
