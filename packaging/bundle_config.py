"""What goes into the PyInstaller bundle, and what stays out.

Plain data, read by posecloak.spec (at build time), build.py, smoke_test.py and
tests/test_packaging.py, so the rules live in one place. No PyInstaller import.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

APP_NAME = "posecloak"                 # executable and dist/ folder name
MAC_BUNDLE_NAME = "PoseCloak.app"
MAC_BUNDLE_ID = "org.posecloak.PoseCloak"

MODEL_FILENAME = "pose_landmarker_full.task"   # app.pose.model's default variant
MODEL_VARIANT = "full"
MODEL_DEST = "resources/models"        # app.pose.model.bundled_dirs(): sys._MEIPASS/resources/models
# The person detector (app/pose/person_detector.py): shipped from the source
# tree's resources/models/ (committed, pinned by SHA-256 in the app), with its
# attribution beside it; nothing is downloaded.
DETECTOR_FILES = ["yolox_nano.onnx", "yolox_nano.README.md"]
ICON_DEST = "resources/icons"
LICENSES_DEST = "resources/licenses"

# MediaPipe 1.2.2 loads libmediapipe with ctypes from
# importlib.resources.files('mediapipe.tasks.c'): no code imports that package,
# so PyInstaller misses it ("No module named 'mediapipe.tasks.c'") and the
# library ("libmediapipe.so: cannot open shared object file").
HIDDEN_IMPORTS = ["mediapipe.tasks.c"]
# collect_dynamic_libs(): keeps mediapipe/tasks/c/<lib> and onnxruntime/capi/<libs>
# (the person detector's runtime, app/pose/person_detector.py).
DYNAMIC_LIB_PACKAGES = ["mediapipe", "onnxruntime"]

# Package metadata (dist-info) the app reads at run time: the About box shows
# these versions with importlib.metadata.
METADATA_DISTRIBUTIONS = ["mediapipe", "av", "numpy", "pyqtgraph", "onnxruntime"]

# The optional `cluster` extra (Dask, `posecloak convert --cluster`) and what
# it brings: never bundled, so the app stays its size; only app/engine/cluster/
# imports them, lazily, and a bundle's --cluster says how to install the extra.
CLUSTER_EXCLUDES = [
    "dask", "distributed", "tornado", "cloudpickle", "msgpack", "toolz", "tlz", "zict",
    "tblib", "sortedcontainers", "partd", "fsspec", "locket", "jinja2", "markupsafe",
    "yaml", "_yaml",
]
CLUSTER_PACKAGE = "app/engine/cluster"  # the one place that may import CLUSTER_EXCLUDES

# Python modules the app never uses. tests/test_packaging.py checks that no
# app module imports any of these (CLUSTER_EXCLUDES: none outside CLUSTER_PACKAGE).
EXCLUDES = [
    *CLUSTER_EXCLUDES,
    # A second Qt (OpenCV's GUI wheel carries Qt 5) or other bindings.
    "PyQt5", "PyQt6", "PySide2", "shiboken2",
    # OpenCV (176 MB with its own FFmpeg and OpenBLAS) and matplotlib:
    # mediapipe's drawing_utils imports both at import time, but only its
    # drawing helpers use them; rthook_posecloak.py stubs them. PoseCloak
    # draws, resizes, reads images and opens cameras without OpenCV.
    "cv2", "matplotlib", "mpl_toolkits", "PIL", "kiwisolver", "contourpy", "fontTools",
    "cycler", "pyparsing", "dateutil",
    # mediapipe's audio tasks (optional import, guarded by try/except).
    "sounddevice", "_sounddevice", "_sounddevice_data", "cffi", "_cffi_backend",
    # GUI toolkits, dev and test tools.
    "tkinter", "_tkinter", "readline", "rlcompleter", "turtle", "turtledemo", "idlelib", "lib2to3",
    "pydoc_data",
    "test", "pytest", "_pytest", "pytestqt", "hypothesis", "psutil", "IPython",
    "setuptools", "pkg_resources", "pip", "distutils", "PyInstaller",
    "numpy.f2py", "numpy.distutils",
    # pyqtgraph parts that need packages we do not ship.
    "pyqtgraph.opengl", "pyqtgraph.examples", "pyqtgraph.jupyter",
    "pyqtgraph.widgets.MatplotlibWidget", "pyqtgraph.exporters.Matplotlib",
    # Qt modules the app does not use. pyqtgraph needs QtOpenGL and
    # QtOpenGLWidgets at import; QtSvg/QtTest are optional there.
    *[f"PySide6.{m}" for m in (
        "QtNetwork", "QtSvg", "QtSvgWidgets", "QtTest", "QtQml", "QtQmlFeatures",
        "QtQuick", "QtQuickWidgets", "QtQuickControls2", "QtQuickTest", "QtDesigner",
        "QtHelp", "QtSql", "QtXml", "QtUiTools", "QtConcurrent", "QtPrintSupport",
        "QtDBus", "QtLabsStyleKit", "QtMultimedia", "QtMultimediaWidgets",
        "QtWebEngineCore", "QtWebEngineWidgets", "QtPdf", "QtPdfWidgets",
        "QtCharts", "QtDataVisualization", "QtGraphs", "Qt3DCore", "QtQuick3D",
    )],
]

# Qt plugins: categories the app never needs (embedded input, network,
# device integrations), and single plugins inside kept categories.
QT_PLUGIN_CATEGORIES_DROPPED = {
    "egldeviceintegrations", "generic", "networkinformation", "tls", "sqldrivers",
    "qmltooling", "printsupport", "position", "multimedia", "designer",
}
QT_PLUGINS_DROPPED = {
    # Embedded/remote platforms; kept: xcb, wayland, offscreen, minimal,
    # windows, cocoa.
    "platforms": {"qeglfs", "qlinuxfb", "qminimalegl", "qvnc", "qvkkhrdisplay", "qdirect2d"},
    # The GTK theme pulls GTK/cairo/pango into the bundle and mixes them with
    # the system's GTK; xdgdesktopportal (native dialogs) stays.
    "platformthemes": {"qgtk3"},
    "imageformats": {"qtiff", "qwebp", "qtga", "qwbmp", "qpdf", "qsvg"},
    "iconengines": {"qsvgicon"},
}
# Qt libraries only the dropped plugins and modules need. (Qt6Svg stays: the
# Wayland adwaita window decorations link it.)
QT_LIBS_DROPPED = re.compile(
    r"^(lib)?Qt6(EglFSDeviceIntegration|EglFsKmsSupport|EglFsKmsGbmSupport|Network|"
    r"SvgWidgets|Test|Qml|QmlModels|QmlMeta|QmlWorkerScript|Quick|Pdf|PrintSupport|"
    r"VirtualKeyboard)\b")
# Anything matching these must never ship: a second Qt (OpenCV GUI wheels,
# PyQt5) or OpenCV's Qt plugin folder.
FORBIDDEN_QT5 = re.compile(r"(^|/)(lib)?Qt5[A-Za-z]*(\.so|\.dll|\.dylib|$)|(^|/)cv2/qt(/|$)|"
                           r"(^|/)PyQt5(/|$)")
# Translations: the app is English only.
DROP_QT_TRANSLATIONS = True


def _plugin_stem(name: str) -> str:
    stem = name.split(".")[0]
    return stem[3:] if stem.startswith("lib") else stem


def drop_reason(dest: str) -> str | None:
    """Why a bundle entry (its destination path) is left out, or None to keep it."""
    p = PurePosixPath(dest.replace("\\", "/"))
    parts = p.parts
    name = p.name
    if FORBIDDEN_QT5.search(p.as_posix()):
        return "second Qt (Qt 5)"
    if "Qt" in parts or "PySide6" in parts:
        if DROP_QT_TRANSLATIONS and "translations" in parts and name.endswith(".qm"):
            return "Qt translation"
        if "plugins" in parts:
            i = parts.index("plugins")
            if len(parts) > i + 2:
                category = parts[i + 1]
                if category in QT_PLUGIN_CATEGORIES_DROPPED:
                    return f"Qt plugin category {category}"
                if _plugin_stem(name) in QT_PLUGINS_DROPPED.get(category, ()):
                    return f"Qt plugin {category}/{name}"
    if QT_LIBS_DROPPED.match(name):
        return "Qt library of a left-out module"
    return None


def prunable_library(dest: str) -> bool:
    """A shared library kept only if a kept binary links to it (Linux): the
    system libraries PyInstaller copies to the bundle's top level, and Qt's own
    libraries. libpython is loaded by the bootloader, so it always stays."""
    p = PurePosixPath(dest.replace("\\", "/"))
    if not p.name.startswith("lib") or ".so" not in p.name or p.name.startswith("libpython"):
        return False
    return len(p.parts) == 1 or p.parent.as_posix() == "PySide6/Qt/lib"


# Linux: libraries PyAV's FFmpeg links but PoseCloak never calls, replaced by
# failing stubs (packaging/stub_libs.py): file-name pattern -> what it does.
STUB_LIBRARIES = {
    r"libx265-[0-9a-f]+\.so(\.\d+)*": "x265 HEVC encoder; the app writes H.264 and VP9",
    r"libSvtAv1Enc-[0-9a-f]+\.so(\.\d+)*": "SVT-AV1 encoder; the app writes H.264 and VP9",
    r"libxcb(-shm|-shape|-xfixes)?-[0-9a-f]+\.so(\.\d+)*": "X11 screen capture (x11grab)",
}
# What stub functions return (longest name prefix wins; 0/NULL otherwise):
# an error for SVT-AV1's EbErrorType (0 would mean success), and "has error"
# for an XCB connection, so FFmpeg reports a failure if one is ever called.
STUB_RETURNS = {"svt_": "0x80001000", "xcb_connection_has_error": "1"}
