"""Only app/ui may import Qt: the other layers load in a fresh interpreter without PySide6."""

import subprocess
import sys

import pytest

QT_FREE = ["pi0_core", "drivers", "recordings", "app.runtime", "app.cli.main"]


@pytest.mark.parametrize("module", QT_FREE)
def test_module_does_not_import_qt(module: str) -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        f"pkg = importlib.import_module({module!r})\n"
        "for info in pkgutil.walk_packages(getattr(pkg, '__path__', []), pkg.__name__ + '.'):\n"
        "    importlib.import_module(info.name)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=240, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"
