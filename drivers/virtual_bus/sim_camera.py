"""Cameras of the virtual ALOHA: renders of the simulator that the virtual bus steps."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from drivers.cameras.pacing import FramePacer
from drivers.cameras.threaded import ThreadedCamera

if TYPE_CHECKING:
    from drivers.sim.world import AlohaSim


class VirtualBusCamera(ThreadedCamera):
    """Renders one of the sim's cameras in its own thread, at most `fps` frames per second."""

    def __init__(
        self, name: str, sim: AlohaSim, image_size: tuple[int, int] = (240, 320), fps: float = 30
    ) -> None:
        super().__init__(name)
        self.sim = sim
        self.height, self.width = image_size
        self._pacer = FramePacer(fps, self._stop)

    def _open(self) -> None:
        self._pacer.restart()

    def _grab(self) -> np.ndarray:
        self._pacer.wait()
        return self.sim.render(self.name, self.height, self.width)

    def _close(self) -> None:
        """Nothing to release: the renderer belongs to the capture thread and goes with it."""
