"""Numpy images to Qt images, without keeping a reference to the numpy buffer."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def to_qimage(image: np.ndarray) -> QImage:
    """An RGB (H, W, 3) or grey (H, W) uint8 array as a QImage that owns its pixels."""
    array = np.ascontiguousarray(image)
    if array.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {array.dtype}")
    if array.ndim == 2:
        height, width = array.shape
        view = QImage(array.data, width, height, width, QImage.Format.Format_Grayscale8)
    elif array.ndim == 3 and array.shape[2] == 3:
        height, width = array.shape[:2]
        view = QImage(array.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    else:
        raise ValueError(f"expected (H, W, 3) or (H, W), got shape {array.shape}")
    return view.copy()  # the view points into `array`, which goes away with this frame
