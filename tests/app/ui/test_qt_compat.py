"""The reference reserve that keeps PySide6's lost None references from aborting Python."""

import sys

import pytest

import app.ui  # noqa: F401 (applies the work-around)
from app.ui.qt_compat import RESERVE


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_none_true_false_hold_a_reserve():
    for singleton in (None, True, False):
        assert sys.getrefcount(singleton) > RESERVE // 2
