"""MP4 files of simulated episodes, for people to watch."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from drivers.sim.world import CONTROL_PERIOD

VIDEO_CAMERA = "cam_high"
VIDEO_SIZE = (240, 320)  # (height, width); multiples of 16 suit the H.264 encoder


class EpisodeVideo:
    """Writes frames to `path` (.mp4) at the control rate; a context manager."""

    def __init__(self, path: Path | str, fps: float = 1.0 / CONTROL_PERIOD) -> None:
        import imageio.v2 as imageio

        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = imageio.get_writer(
            self.path, fps=fps, codec="libx264", quality=7, macro_block_size=16
        )
        self.frames = 0

    def add(self, image: np.ndarray) -> None:
        """Append one (H, W, 3) uint8 frame."""
        self._writer.append_data(image)
        self.frames += 1

    def close(self) -> None:
        """Finish the file."""
        self._writer.close()

    def __enter__(self) -> EpisodeVideo:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
