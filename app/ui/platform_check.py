"""Before the window opens: can Qt's platform plugin for this display load its system libraries?

PySide6's wheels bring Qt but not the X11/Wayland client libraries that the `xcb` and `wayland`
platform plugins link to; a fresh desktop often lacks some (libxcb-cursor0, libxcb-icccm4...),
and Qt then aborts with a message that names only the first. `ldd` lists every missing one.
This module imports no Qt, so it runs before QApplication is built.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

PLUGIN_FILES = {"xcb": "libqxcb.so", "wayland": "libqwayland.so"}  # platforms checked
# The Qt library each plugin is a thin shim over, which links most of the system libraries.
PLUGIN_LIBRARIES = {"xcb": "libQt6XcbQpa.so.6", "wayland": "libQt6WaylandClient.so.6"}
# Debian/Ubuntu package of the sonames whose package name is not the soname's usual spelling.
PACKAGES = {"libglib-2.0.so.0": "libglib2.0-0", "libgthread-2.0.so.0": "libglib2.0-0"}
Ldd = Callable[[Path], str]  # a library path -> what `ldd` prints for it


def display_platform(environ: dict[str, str] | None = None) -> str:
    """The platform plugin Qt will pick for this session (as Qt 6 does on Linux)."""
    env = os.environ if environ is None else environ
    chosen = env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if chosen:
        return chosen
    if env.get("XDG_SESSION_TYPE") == "wayland" and env.get("WAYLAND_DISPLAY"):
        return "wayland"
    return "xcb"


def missing_libraries(platform: str, ldd: Ldd | None = None) -> list[str]:
    """Sonames the platform's plugin needs and the system lacks ([] when all load, or unknown)."""
    qt = _qt_folder()
    if platform not in PLUGIN_FILES or qt is None:
        return []
    if ldd is None:
        if shutil.which("ldd") is None:
            return []
        ldd = _run_ldd
    paths = [
        qt / "plugins" / "platforms" / PLUGIN_FILES[platform],
        qt / "lib" / PLUGIN_LIBRARIES[platform],
    ]
    missing: list[str] = []
    for path in paths:
        if not path.is_file():
            continue
        for name in re.findall(r"^\s*(\S+) => not found", ldd(path), flags=re.MULTILINE):
            if name not in missing:
                missing.append(name)
    return missing


def package_for(soname: str) -> str:
    """The Debian/Ubuntu package of a shared library: libxcb-icccm.so.4 -> libxcb-icccm4."""
    if soname in PACKAGES:
        return PACKAGES[soname]
    match = re.fullmatch(r"(lib[\w.+-]+?)\.so\.(\d+)", soname)
    if match is None:
        return soname
    name, version = match.groups()
    name = name.lower()
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def check_platform(environ: dict[str, str] | None = None, ldd: Ldd | None = None) -> None:
    """Raise one line naming the missing packages and the command that installs them."""
    platform = display_platform(environ)
    missing = missing_libraries(platform, ldd)
    if not missing:
        return
    packages = list(dict.fromkeys(package_for(name) for name in missing))
    raise RuntimeError(
        f"Qt's {platform} platform plugin cannot load: {', '.join(missing)} not installed; "
        f"on Debian/Ubuntu: sudo apt-get install {' '.join(packages)}"
    )


def _qt_folder() -> Path | None:
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "Qt"


def _run_ldd(path: Path) -> str:
    try:
        done = subprocess.run(["ldd", str(path)], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout
