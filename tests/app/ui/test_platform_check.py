"""The check before the window opens: Qt's platform plugin and the system libraries it needs."""

from __future__ import annotations

import pytest

from app.cli.main import main
from app.ui import platform_check
from app.ui.platform_check import check_platform, display_platform, package_for

LDD_MISSING = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxkbcommon-x11.so.0 => not found
"""


def test_missing_libraries_are_named_with_their_packages_and_the_install_command():
    with pytest.raises(RuntimeError) as error:
        check_platform({"DISPLAY": ":0"}, ldd=lambda path: LDD_MISSING)
    message = str(error.value)
    assert "\n" not in message
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1, libxkbcommon-x11.so.0" in message
    assert message.endswith("sudo apt-get install libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0")


def test_nothing_missing_passes():
    check_platform({"DISPLAY": ":0"}, ldd=lambda path: "\tlibxcb.so.1 => /lib/libxcb.so.1 (0x1)\n")


def test_offscreen_is_not_checked():
    check_platform({"QT_QPA_PLATFORM": "offscreen"}, ldd=lambda path: LDD_MISSING)


@pytest.mark.parametrize(
    ("soname", "package"),
    [
        ("libxcb-cursor.so.0", "libxcb-cursor0"),
        ("libxcb-render-util.so.0", "libxcb-render-util0"),
        ("libX11-xcb.so.1", "libx11-xcb1"),
        ("libX11.so.6", "libx11-6"),
        ("libglib-2.0.so.0", "libglib2.0-0"),
    ],
)
def test_package_names(soname, package):
    assert package_for(soname) == package


@pytest.mark.parametrize(
    ("environ", "platform"),
    [
        ({"DISPLAY": ":0"}, "xcb"),
        ({"QT_QPA_PLATFORM": "xcb;wayland"}, "xcb"),
        ({"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, "wayland"),
    ],
)
def test_display_platform(environ, platform):
    assert display_platform(environ) == platform


def test_the_app_stops_with_one_line_before_qt_loads_the_plugin(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(platform_check, "missing_libraries", lambda *a: ["libxcb-icccm.so.4"])
    assert main(["--settings", str(tmp_path / "s.ini")]) == 2
    error = capsys.readouterr().err.strip()
    assert error == (
        "error: Qt's xcb platform plugin cannot load: libxcb-icccm.so.4 not installed; "
        "on Debian/Ubuntu: sudo apt-get install libxcb-icccm4"
    )
