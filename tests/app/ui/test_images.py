"""Numpy frames become QImages that own their pixels."""

import numpy as np
import pytest

from app.ui.images import to_qimage


def test_rgb_pixels_survive_the_array():
    image = np.zeros((2, 3, 3), np.uint8)
    image[1, 2] = (10, 20, 30)
    qimage = to_qimage(image)
    del image
    assert (qimage.width(), qimage.height()) == (3, 2)
    colour = qimage.pixelColor(2, 1)
    assert (colour.red(), colour.green(), colour.blue()) == (10, 20, 30)


def test_wrong_dtype_is_refused():
    with pytest.raises(ValueError, match="uint8"):
        to_qimage(np.zeros((2, 2, 3), np.float32))
