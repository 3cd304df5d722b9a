"""A simulated camera: renders one of the simulator's cameras in its own capture thread."""

from __future__ import annotations

import numpy as np

from drivers.cameras.pacing import FramePacer
from drivers.cameras.threaded import CaptureTiming, ThreadedCamera
from drivers.errors import DeviceError
from drivers.sim.world import CAMERAS, AlohaSim

# The world changes once per control step (50 Hz): rendering faster shows nothing new.
DEFAULT_MAX_FPS = 50.0


class SimCamera(ThreadedCamera):
    """Renders `name` at `size` (height, width) as fast as the machine allows, up to `max_fps`."""

    def __init__(
        self,
        sim: AlohaSim,
        name: str,
        size: tuple[int, int] = (240, 320),
        max_fps: float = DEFAULT_MAX_FPS,
        timing: CaptureTiming | None = None,
    ) -> None:
        # Software rendering can be slow: a frame is only stale when it is really old.
        super().__init__(name, timing or CaptureTiming(stale_after_s=2.0))
        self.sim = sim
        self.size = size
        self._pacer = FramePacer(max_fps, self._stop)

    def _open(self) -> None:
        if self.name not in CAMERAS:
            raise DeviceError(f"camera {self.name}: the simulator has {', '.join(CAMERAS)}")
        self._pacer.restart()

    def _grab(self) -> np.ndarray:
        self._pacer.wait()
        return self.sim.render(self.name, *self.size)

    def _close(self) -> None:
        self.sim.release_renderers()  # on the capture thread, which owns the GL context
