"""Status bar: loop rate, inference latency, dropped frames and camera staleness, graded."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from app.runtime.snapshot import SessionSnapshot
from app.ui.health import HEALTH_COLOURS, Health, HealthLimits


class HealthLabel(QLabel):
    """One figure; its colour says whether it is in its healthy range."""

    def __init__(self, name: str, widest: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.health = Health.OK
        self.setContentsMargins(8, 0, 8, 0)
        # Room for the widest text in bold, so an amber or red figure is never clipped.
        bold = QFont(self.font())
        bold.setBold(True)
        self.setMinimumWidth(QFontMetrics(bold).horizontalAdvance(widest) + 20)

    def show_value(self, text: str, health: Health) -> None:
        """Set the text and colour."""
        self.setText(text)
        if health != self.health or not self.styleSheet():
            self.health = health
            weight = "normal" if health == Health.OK else "bold"
            self.setStyleSheet(f"color: {HEALTH_COLOURS[health]}; font-weight: {weight};")


class HealthStatusBar(QStatusBar):
    """The four figures people watch while the robot moves."""

    def __init__(self, limits: HealthLimits | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.limits = limits or HealthLimits()
        self.loop_rate = HealthLabel("loop_rate", "loop 100.0 Hz")
        self.inference = HealthLabel("inference", "inference 99999 ms")
        self.dropped = HealthLabel("dropped", "dropped 99999")
        self.camera_age = HealthLabel("camera_age", "camera age 99999 ms")
        self.clamped = HealthLabel("clamped", "clamped 99999 (right_forearm_roll 99999)")
        labels = (self.loop_rate, self.inference, self.dropped, self.camera_age, self.clamped)
        for label in labels:
            self.addPermanentWidget(label)
        self.show_snapshot(None)

    def show_snapshot(self, snapshot: SessionSnapshot | None) -> None:
        """Update the figures; dashes while no session runs."""
        if snapshot is None:
            for label, name in (
                (self.loop_rate, "loop"),
                (self.inference, "inference"),
                (self.dropped, "dropped"),
                (self.camera_age, "cameras"),
                (self.clamped, "clamped"),
            ):
                label.show_value(f"{name} –", Health.OK)
            return
        limits = self.limits
        period = snapshot.loop.period_mean_ms
        hz = 1000.0 / period if period > 0 else 0.0
        loop_health = limits.loop_hz.grade(hz) if period > 0 else Health.OK
        self.loop_rate.show_value(f"loop {hz:5.1f} Hz", loop_health)
        if snapshot.chunks:
            ms = snapshot.inference_ms
            self.inference.show_value(f"inference {ms:4.0f} ms", limits.inference_ms.grade(ms))
        else:
            self.inference.show_value("inference –", Health.OK)
        dropped = snapshot.recorder_dropped
        self.dropped.show_value(f"dropped {dropped}", limits.dropped_frames.grade(dropped))
        ages = [status.age_ms for status in snapshot.cameras.values()]
        if ages:
            age = max(ages)
            stale = any(status.stale for status in snapshot.cameras.values())
            health = Health.BAD if stale else limits.camera_age_ms.grade(age)
            self.camera_age.show_value(f"camera age {age:4.0f} ms", health)
        else:
            self.camera_age.show_value("no cameras", Health.OK)
        self._show_clamped(snapshot)

    def _show_clamped(self, snapshot: SessionSnapshot) -> None:
        """Ticks a safety limit changed the command, and the joint limited most (amber if any)."""
        by_joint = snapshot.clamped_by_joint
        if not by_joint:
            self.clamped.show_value("clamped 0", Health.OK)
            return
        joint, count = max(by_joint.items(), key=lambda item: item[1])
        self.clamped.setToolTip(", ".join(f"{name} {n}" for name, n in sorted(by_joint.items())))
        self.clamped.show_value(f"clamped {snapshot.clamped_ticks} ({joint} {count})", Health.WARN)
