"""The Help menu's boxes: a short guide, the privacy guarantee, and About
(what the app is, the model in use and library versions)."""

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


GUIDE_HTML = (
    "<h3>Getting started</h3>"
    "<ol>"
    "<li><b>Look at it live.</b> Pick a camera or a video file above the preview and press "
    "<b>Start</b>. The left picture is what PoseCloak saves: the skeleton only.</li>"
    "<li><b>Choose the look.</b> The <b>Style</b>, <b>Background</b> and <b>People</b> tabs on "
    "the right change colours, what the skeleton is drawn on and who is shown. Click a "
    "person in the preview to leave them out.</li>"
    "<li><b>Convert files.</b> Drop videos or pictures on the window (or File ▸ Open). "
    "Each one becomes a skeleton-only video in the folder on the <b>Export</b> tab.</li>"
    "<li><b>Record live.</b> <b>Record</b> saves the live skeleton picture, never the "
    "camera's.</li>"
    "<li><b>Look at movement.</b> The <b>Plots</b> and <b>Analysis</b> tabs below show joint "
    "angles, activity and falls (turn on the analysis report on the Export tab).</li>"
    "</ol>"
    "<p>Small people far from the camera? Turn on <b>Find distant people</b> on the "
    "People tab.</p>")

PRIVACY_HTML = (
    "<h3>What PoseCloak guarantees</h3>"
    "<ul>"
    "<li><b>No picture of anyone in an export.</b> Every exported frame is the background "
    "you chose with only the skeleton drawn on it.</li>"
    "<li><b>No face.</b> Faces are not recognisable in exports; <i>Face points</i> off "
    "removes even the eye and mouth points.</li>"
    "<li><b>No hidden details.</b> Location, camera make, dates, titles and the source "
    "file name never reach the exported files.</li>"
    "<li><b>Nothing leaves this computer.</b> The only network use is the one-time "
    "download of the pose model, and offline mode forbids even that; besides, only what "
    "you name: the network cameras you watch, and, if you set one, your own alert "
    "address, which gets a short note per fall (never a picture).</li>"
    "<li><b>No stray copies.</b> Only the exports are written; a cancelled or failed "
    "export leaves nothing behind.</li>"
    "<li><b>No voice unless you ask.</b> Exports have no sound unless <i>Keep audio</i> "
    "is on; live recordings never have sound.</li>"
    "<li><b>The camera picture is never saved.</b> It is shown beside the skeleton "
    "only to help you frame.</li>"
    "</ul>"
    "<p>Each promise is checked by an automatic test on every change to the app "
    "(README, “Privacy guarantee”).</p>")


def show_text(parent: QWidget, title: str, html: str, name: str) -> QMessageBox:
    """A non-modal box with `html` (the guide, the privacy guarantee)."""
    box = QMessageBox(parent)
    box.setObjectName(name)
    box.setWindowTitle(title)
    box.setText(html)
    box.open()
    return box


def show_guide(parent: QWidget) -> QMessageBox:
    return show_text(parent, "Getting started", GUIDE_HTML, "GuideBox")


def show_privacy(parent: QWidget) -> QMessageBox:
    return show_text(parent, "Privacy guarantee", PRIVACY_HTML, "PrivacyBox")
