"""`posecloak gui --quit-after MS` opens the window and exits cleanly (the
packaging smoke test), and the screenshot tool renders a preview frame."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               POSECLOAK_SETTINGS=str(tmp_path / "settings.ini"))
    return env


def test_gui_quits_after_the_given_time(tmp_path):
    done = subprocess.run([sys.executable, "-m", "app", "gui", "--quit-after", "300"],
                          cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "settings.ini").is_file()  # the window saved its settings on close


def test_screenshot_shows_a_preview_frame(tmp_path, short_carphone):
    shot = tmp_path / "shot.png"
    done = subprocess.run([sys.executable, "-m", "tools.screenshot", str(shot), "--source",
                           str(short_carphone), "--convert", "--seconds", "0.5",
                           "--size", "1200x760"],
                          cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    from PySide6.QtGui import QImage
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1200, 760)
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    pixels = np.frombuffer(image.constBits(), np.uint8,
                           count=image.bytesPerLine() * image.height())
    pixels = pixels.reshape(image.height(), image.bytesPerLine())[:, :image.width() * 3]
    rgb = pixels.reshape(image.height(), image.width(), 3)
    cyan = (rgb[..., 0] < 60) & (rgb[..., 1] > 180) & (rgb[..., 2] > 200)
    assert cyan.sum() > 500  # the skeleton is on screen


def test_without_a_display_the_app_says_so_in_one_line(tmp_path):
    """Over SSH or on a server: no silent abort (Qt used to exit 134 with
    stderr already sent to /dev/null), but one line and exit 1."""
    env = {k: v for k, v in _env(tmp_path).items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run([sys.executable, "-m", "app"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "no display found" in lines[0] and "DISPLAY" in lines[0]


def test_a_missing_qt_library_is_named_with_its_package():
    from app.gui.shell.startup_check import startup_problem
    env = {"DISPLAY": ":0"}

    def without_cursor(name):
        return None if name == "xcb-cursor" else f"lib{name}.so"

    assert startup_problem(env, without_cursor, "linux") == (
        "the window needs libxcb-cursor0 (on Debian or Ubuntu: sudo apt install libxcb-cursor0).")
    assert startup_problem(env, lambda name: f"lib{name}.so", "linux") is None
    assert startup_problem({"QT_QPA_PLATFORM": "offscreen"}, without_cursor, "linux") is None
    assert startup_problem({}, without_cursor, "win32") is None
    assert "WAYLAND_DISPLAY" in startup_problem({"QT_QPA_PLATFORM": "wayland"}, without_cursor,
                                                "linux")
