"""Fixed-size ring buffers of recent samples, for the GUI's plots and the loop's statistics."""

from __future__ import annotations

import numpy as np


class Ring:
    """The last `capacity` rows of a (capacity, *shape) array; oldest first when read."""

    def __init__(self, capacity: int, shape: tuple[int, ...] = (), dtype: type = np.float64):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._data = np.zeros((capacity, *shape), dtype)
        self._next = 0
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def append(self, row: np.ndarray | float) -> None:
        """Overwrite the oldest row."""
        self._data[self._next] = row
        self._next = (self._next + 1) % len(self._data)
        self._count = min(self._count + 1, len(self._data))

    def values(self) -> np.ndarray:
        """A copy of the stored rows, oldest first."""
        if self._count < len(self._data):
            return self._data[: self._count].copy()
        return np.concatenate([self._data[self._next :], self._data[: self._next]])

    def clear(self) -> None:
        """Forget every row."""
        self._next = 0
        self._count = 0
