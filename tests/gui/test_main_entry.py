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
    done = subprocess.run([sys.executable, "-m", "app.gui.screenshot", str(shot), "--source",
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
