"""The PySide6 user interface. The only package that imports Qt."""

from app.ui import qt_compat

qt_compat.apply()
