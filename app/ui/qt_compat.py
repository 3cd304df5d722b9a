"""Work-around for a reference-count bug of the installed Qt binding.

PySide6 6.12 on Python 3.11 returns `None` (and `True`) from some methods without taking a
reference: `QTransform.setMatrix`, which pyqtgraph calls for every curve it draws, is one.
Each call leaves the singleton one reference short; after some thousands of redraws the
count reaches zero and the interpreter aborts with "Fatal Python error: deallocating None".
From Python 3.12 on these singletons are immortal and the bug is harmless.

The singletons are never freed anyway, so adding a large reserve to their counts makes the
lost references irrelevant (2**40 lasts for years at a million losses per second).
"""

from __future__ import annotations

import ctypes
import sys

RESERVE = 1 << 40
_applied = False


def _add_references(obj: object, count: int) -> bool:
    """Add `count` to the reference count of `obj`; False if the layout is not as expected."""
    refcount = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt: first field of PyObject
    # The count moves with every use of None, so only check that this is the right field.
    if abs(refcount.value - sys.getrefcount(obj)) > 1000:
        return False
    refcount.value += count
    return True


def apply() -> None:
    """Give None, True and False a reference reserve on interpreters where they are mortal."""
    global _applied
    if _applied or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    _applied = True
    for singleton in (None, True, False):
        _add_references(singleton, RESERVE)
