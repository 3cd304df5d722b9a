"""Faults that tests inject into a virtual servo chain."""

from __future__ import annotations

from dataclasses import dataclass

SILENT = "silent"  # the servo stops answering
CORRUPT = "corrupt"  # its replies arrive with a wrong CRC
SLOW = "slow"  # its replies arrive `delay_s` late
OVERLOAD = "overload"  # it raises the overload bit of Hardware_Error_Status (alert bit set)
KINDS = (SILENT, CORRUPT, SLOW, OVERLOAD)


@dataclass
class Fault:
    """One injected fault on one servo; `count` replies are affected (None: until cleared)."""

    kind: str
    servo_id: int
    count: int | None = None
    delay_s: float = 0.0  # SLOW only

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; known: {', '.join(KINDS)}")
        if self.kind == SLOW and self.delay_s <= 0:
            raise ValueError("a slow-reply fault needs delay_s > 0")

    def use(self) -> bool:
        """Count one affected reply; False once the fault has run out."""
        if self.count is None:
            return True
        if self.count <= 0:
            return False
        self.count -= 1
        return True
