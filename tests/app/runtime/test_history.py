import numpy as np

from app.runtime.history import Ring


def test_ring_keeps_the_newest_rows_oldest_first() -> None:
    ring = Ring(3, (2,))
    for i in range(5):
        ring.append(np.array([i, -i]))
    assert len(ring) == 3
    np.testing.assert_array_equal(ring.values()[:, 0], [2, 3, 4])


def test_partly_filled_ring_returns_only_what_was_added() -> None:
    ring = Ring(4)
    ring.append(1.5)
    np.testing.assert_array_equal(ring.values(), [1.5])
