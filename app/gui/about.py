"""The About box: what the app is, the model in use and library versions."""

from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from app import __version__

_PACKAGES = (("MediaPipe", "mediapipe"), ("PyAV", "av"), ("NumPy", "numpy"),
             ("pyqtgraph", "pyqtgraph"))


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not found"


def versions() -> list[tuple[str, str]]:
    """Library versions, read from package metadata (nothing heavy imported)."""
    return [("Python", platform.python_version()), ("Qt", qVersion()),
            ("PySide6", pyside_version)] + [(label, _version(dist)) for label, dist in _PACKAGES]


def about_html(model_path: Path | None) -> str:
    rows = "".join(f"<tr><td>{k}</td><td>&nbsp;&nbsp;{v}</td></tr>" for k, v in versions())
    model = (f"{model_path.name}<br><small>{model_path}</small>" if model_path
             else "not loaded yet")
    return (f"<h2>PoseCloak {__version__}</h2>"
            "<p>Turns video of people into skeleton-only video. Everything runs on this "
            "computer; no picture leaves it, and the camera picture is never saved.</p>"
            f"<p><b>Pose model:</b> {model}</p>"
            f"<table>{rows}</table>"
            "<p><small>Pose estimation by Google MediaPipe PoseLandmarker. "
            "Licensed under Apache-2.0.</small></p>")


def show_about(parent: QWidget, model_path: Path | None) -> QMessageBox:
    box = QMessageBox(parent)
    box.setObjectName("AboutBox")
    box.setWindowTitle("About PoseCloak")
    box.setIconPixmap(parent.windowIcon().pixmap(96, 96))
    box.setText(about_html(model_path))
    box.open()
    return box
