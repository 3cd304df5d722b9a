"""The app on a real X server (Xvfb, xcb platform): the window opens and is drawn."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[3]
SCREEN = "1600x1000x24"


@pytest.fixture
def x_display():
    """A fresh Xvfb on a free display number (black root window); skips where none starts."""
    if shutil.which("Xvfb") is None:
        pytest.skip("no X server to test on: Xvfb is not installed (apt-get install xvfb)")
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", SCREEN, "-nolisten", "tcp", "-br"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    os.close(write)
    with os.fdopen(read) as numbers:
        number = numbers.readline().strip()
    if not number:
        server.kill()
        reason = server.communicate()[1].decode(errors="replace").strip().splitlines()
        pytest.skip(f"Xvfb did not start: {reason[-1] if reason else 'no reason given'}")
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


@pytest.mark.slow
def test_main_window_opens_on_xcb_and_is_drawn(x_display, tmp_path):
    shot = tmp_path / "screen.png"
    env = {**os.environ, "DISPLAY": x_display, "QT_QPA_PLATFORM": "xcb"}
    env.pop("WAYLAND_DISPLAY", None)
    done = subprocess.run(
        [sys.executable, "-m", "tests.app.ui.x_server_app", str(shot), str(tmp_path / "s.ini")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    image = QImage(str(shot))
    assert not image.isNull(), f"no screenshot: {done.stderr[-2000:]}"
    assert (image.width(), image.height()) == (1600, 1000)
    pixels = [image.pixel(x, y) for x in range(0, 1600, 16) for y in range(0, 1000, 16)]
    black = image.pixel(1599, 999)  # the root window, outside the app's window
    drawn = sum(p != black for p in pixels) / len(pixels)
    assert drawn > 0.5, f"only {drawn:.0%} of the screen drawn"
    assert len(set(pixels)) > 20, "the window is one flat colour"
