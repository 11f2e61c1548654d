"""The PyInstaller configuration, checked without building (a build takes
minutes; CI builds and smoke-tests the real bundle with packaging/build.py and
packaging/smoke_test.py).

The spec is executed for real (its hooks helpers included) with PyInstaller's
build steps replaced by recorders, so these tests see exactly what the spec
would hand to PyInstaller.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("PyInstaller", reason="packaging extra not installed")

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "posecloak.spec"
sys.path.insert(0, str(PACKAGING))
import bundle_config as cfg  # noqa: E402

IS_LINUX = sys.platform.startswith("linux")


def _pyside_dir() -> Path:
    return Path(importlib.util.find_spec("PySide6").submodule_search_locations[0])


def run_spec(tmp_path, monkeypatch, binaries=(), datas=()):
    """Executes posecloak.spec with recording stand-ins for Analysis & co."""
    stage = tmp_path / "stage"
    (stage / "models").mkdir(parents=True)
    (stage / "models" / cfg.MODEL_FILENAME).write_bytes(b"model")
    monkeypatch.setenv("POSECLOAK_STAGE", str(stage))
    monkeypatch.setattr(sys, "path", list(sys.path))
    rec = {}

    def toc(entries, typecode):  # Analysis turns (src, dest dir) pairs into TOC triples
        return [(f"{dest}/{Path(src).name}", src, typecode) for src, dest in entries]

    class Analysis:
        def __init__(self, scripts, **kw):
            rec["analysis"] = dict(kw, scripts=scripts)
            self.binaries = [*toc(kw["binaries"], "BINARY"), *binaries]
            self.datas = [*toc(kw["datas"], "DATA"), *datas]
            self.pure, self.scripts = [], []

    def COLLECT(*args, **kw):
        rec["binaries"], rec["datas"] = args[1], args[2]
        return "coll"

    ns = {
        "SPECPATH": str(PACKAGING), "__file__": str(SPEC), "__name__": "posecloak_spec",
        "Analysis": Analysis, "PYZ": lambda *a, **k: "pyz",
        "EXE": lambda *a, **k: rec.setdefault("exe", k) and "exe",
        "COLLECT": COLLECT, "BUNDLE": lambda *a, **k: rec.setdefault("bundle", k),
    }
    exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), ns)
    return rec, stage


def test_spec_bundles_model_native_library_and_hidden_import(tmp_path, monkeypatch):
    rec, stage = run_spec(tmp_path, monkeypatch)
    a = rec["analysis"]
    # The model lands where app.pose.model.bundled_dirs() looks (sys._MEIPASS/resources/models).
    assert (str(stage / "models" / cfg.MODEL_FILENAME), "resources/models") in a["datas"]
    assert cfg.MODEL_DEST == "resources/models"
    # The person detector too (issue 26), from the source tree, pinned in the app.
    from app.pose.person_detector import DETECTOR_FILENAME, detector_path
    detector = ROOT / "resources" / "models" / DETECTOR_FILENAME
    assert (str(detector), "resources/models") in a["datas"]
    assert detector_path() == detector.resolve()
    # mediapipe loads lib<name> from importlib.resources.files('mediapipe.tasks.c').
    bindings = importlib.util.find_spec("mediapipe.tasks.python.core.mediapipe_c_bindings")
    assert "resources.files('mediapipe.tasks.c')" in Path(bindings.origin).read_text()
    assert "mediapipe.tasks.c" in a["hiddenimports"]
    libname = {"win32": "libmediapipe.dll", "darwin": "libmediapipe.dylib"}.get(sys.platform,
                                                                              "libmediapipe.so")
    assert any(Path(src).name == libname and dest.replace("\\", "/") == "mediapipe/tasks/c"
               for src, dest in a["binaries"])
    # Lazily imported app modules (the GUI, the converters) are all listed.
    hidden = set(a["hiddenimports"])
    assert {"app.cli.main", "app.gui.main", "app.pose.estimator", "app.media.encoder"} <= hidden
    assert Path(a["runtime_hooks"][0]).is_file()
    assert {"PyQt5", "matplotlib", "tkinter"} <= set(a["excludes"])
    assert {"dask", "distributed", "tornado", "cloudpickle"} <= set(a["excludes"])  # the extra
    assert rec["exe"]["name"] == "posecloak"


def test_spec_leaves_out_second_qt_and_unused_qt_parts(tmp_path, monkeypatch):
    qt = _pyside_dir() / "Qt"
    real = str(qt / "plugins" / "platforms" / "libqoffscreen.so")  # a real ELF for Linux's pruning
    core = str(qt / "lib" / "libQt6Core.so.6")
    binaries = [
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", real, "BINARY"),
        ("PySide6/Qt/lib/libQt6Core.so.6", core, "BINARY"),
        ("libQt5Core.so.5", real, "BINARY"),
        ("cv2/qt/plugins/platforms/libqxcb.so", real, "BINARY"),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", real, "BINARY"),
        ("PySide6/Qt/plugins/tls/libqopensslbackend.so", real, "BINARY"),
        ("PySide6/Qt/lib/libQt6Network.so.6", real, "BINARY"),
        ("libgtk-only-dependency.so.0", real, "BINARY"),  # nothing kept links to it
        ("PySide6/Qt/lib/libQt6Unlinked.so.6", real, "BINARY"),
    ]
    datas = [("PySide6/Qt/translations/qtbase_de.qm", real, "DATA"),
             ("cv2/qt/fonts/DejaVuSans.ttf", real, "DATA"),
             # PyInstaller's top-level link to a Qt library: must not dangle.
             ("libQt6Unlinked.so.6", "PySide6/Qt/lib/libQt6Unlinked.so.6", "SYMLINK"),
             ("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK")]
    rec, _ = run_spec(tmp_path, monkeypatch, binaries=binaries, datas=datas)
    kept = {d for d, *_ in rec["binaries"]} | {d for d, *_ in rec["datas"]}
    assert "PySide6/Qt/plugins/platforms/libqoffscreen.so" in kept
    assert "PySide6/Qt/lib/libQt6Core.so.6" in kept  # offscreen links it
    for gone in ("libQt5Core.so.5", "cv2/qt/plugins/platforms/libqxcb.so",
                 "cv2/qt/fonts/DejaVuSans.ttf", "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
                 "PySide6/Qt/plugins/tls/libqopensslbackend.so",
                 "PySide6/Qt/lib/libQt6Network.so.6", "PySide6/Qt/translations/qtbase_de.qm"):
        assert gone not in kept, gone
    assert "libQt6Core.so.6" in kept
    if IS_LINUX:
        for gone in ("libgtk-only-dependency.so.0", "PySide6/Qt/lib/libQt6Unlinked.so.6",
                     "libQt6Unlinked.so.6"):
            assert gone not in kept, gone


@pytest.mark.parametrize("dest", [
    "PySide6/Qt/plugins/platforms/libqxcb.so", "PySide6/Qt/plugins/platforms/libqwayland.so",
    "PySide6/Qt/plugins/platforms/libqoffscreen.so", "PySide6/plugins/platforms/qwindows.dll",
    "PySide6/Qt/plugins/platforms/libqcocoa.dylib", "PySide6/Qt/plugins/imageformats/libqjpeg.so",
    "PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so",
    "PySide6/Qt/plugins/xcbglintegrations/libqxcb-egl-integration.so",
    "PySide6/Qt/lib/libQt6OpenGL.so.6",  # pyqtgraph imports QtOpenGL unconditionally
    "PySide6/Qt/lib/libQt6Svg.so.6",     # the Wayland adwaita decorations link it
    "PySide6/Qt/lib/libQt6Widgets.so.6", "mediapipe/tasks/c/libmediapipe.so",
    "resources/models/pose_landmarker_full.task", "resources/models/yolox_nano.onnx",
    "onnxruntime/capi/libonnxruntime.so.1.32.0",
])
def test_drop_rules_keep_what_the_app_needs(dest):
    assert cfg.drop_reason(dest) is None


def _imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def test_no_app_module_imports_an_excluded_module():
    offenders = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        # Only the cluster runner may import the (unbundled) cluster extra.
        in_cluster = path.relative_to(ROOT).as_posix().startswith(cfg.CLUSTER_PACKAGE + "/")
        excluded = set(cfg.EXCLUDES) - (set(cfg.CLUSTER_EXCLUDES) if in_cluster else set())
        for name in _imported_modules(path):
            parts = name.split(".")
            if any(".".join(parts[:i]) in excluded for i in range(1, len(parts) + 1)):
                offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert not offenders, "the bundle leaves these out: " + ", ".join(offenders)


def test_mediapipe_imports_without_matplotlib_opencv_and_sounddevice_through_the_runtime_hook():
    """The bundle leaves matplotlib, OpenCV and sounddevice out; the runtime
    hook's stubs must keep `import mediapipe` and the PoseLandmarker API working."""
    code = f"""
import sys, runpy
for name in ("matplotlib", "matplotlib.pyplot", "cv2", "sounddevice", "PIL"):
    sys.modules[name] = None          # as if not bundled
runpy.run_path({str(PACKAGING / 'rthook_posecloak.py')!r})
import mediapipe as mp
from mediapipe.tasks.python import BaseOptions
from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode
from mediapipe.tasks.python.vision import drawing_utils
for attr in ("figure", "line"):
    try:
        getattr(drawing_utils.plt if attr == "figure" else drawing_utils.cv2, attr)
    except ImportError as exc:
        print("stub:", exc)
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QT_QPA_PLATFORM_PLUGIN")}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env=env, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "stub: matplotlib.pyplot.figure is not available" in res.stdout
    assert "stub: cv2.line is not available" in res.stdout


def test_runtime_hook_drops_qt_paths_from_outside_the_bundle(tmp_path):
    bundle = tmp_path / "bundle"
    (bundle / "PySide6").mkdir(parents=True)
    code = f"""
import os, sys, runpy
sys._MEIPASS = {str(bundle)!r}
runpy.run_path({str(PACKAGING / 'rthook_posecloak.py')!r})
print(repr(os.environ.get("QT_QPA_PLATFORM_PLUGIN_PATH")), repr(os.environ.get("QT_PLUGIN_PATH")),
      repr(os.environ.get("QT_QPA_FONTDIR")))
"""
    env = dict(os.environ,
               QT_QPA_PLATFORM_PLUGIN_PATH=str(tmp_path / "site-packages" / "cv2" / "qt" / "plugins"),
               QT_PLUGIN_PATH=os.pathsep.join([str(tmp_path / "elsewhere"), str(bundle / "PySide6")]),
               QT_QPA_FONTDIR=str(tmp_path / "cv2" / "qt" / "fonts"))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, env=env)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.split() == ["None", repr(str(bundle / "PySide6")), "None"]


def test_dev_environment_has_a_single_qt():
    """OpenCV's GUI wheel would bring Qt 5 (cv2/qt) into development runs too."""
    import cv2
    cv2_dir = Path(cv2.__file__).parent
    assert not (cv2_dir / "qt").exists(), f"{cv2_dir / 'qt'}: OpenCV's GUI wheel is installed"
    assert importlib.util.find_spec("PyQt5") is None


# --------------------------------------------------------------------------
# stubs for FFmpeg's unused libraries (Linux)

def _av_libs() -> Path:
    return Path(importlib.util.find_spec("av").submodule_search_locations[0]).parent / "av.libs"


def _copy_with_dependencies(lib: Path, dest: Path) -> Path:
    """`lib` and what it links from its own folder, copied into `dest`."""
    import shutil

    from stub_libs import needed_libraries
    todo, done = [lib.name], set()
    while todo:
        name = todo.pop()
        if name in done or not (lib.parent / name).is_file():
            continue
        done.add(name)
        shutil.copy2(lib.parent / name, dest / name)
        todo.extend(needed_libraries(lib.parent / name))
    return dest / lib.name


def _loads(path: Path) -> subprocess.CompletedProcess:
    code = f"import ctypes, os; ctypes.CDLL({str(path)!r}, os.RTLD_NOW); print('loaded')"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_stub_functions_fail_with_the_libraries_error_values():
    from stub_libs import stub_source
    src = stub_source(["x265_api_get_217", "svt_av1_enc_init", "xcb_connection_has_error"],
                      cfg.STUB_RETURNS)
    assert "long x265_api_get_217(void) { return (long)(0); }" in src
    assert "long svt_av1_enc_init(void) { return (long)(0x80001000); }" in src
    assert "long xcb_connection_has_error(void) { return (long)(1); }" in src


@pytest.mark.skipif(not IS_LINUX, reason="the stubs are a Linux bundle step")
def test_ffmpeg_loads_with_stubbed_libraries_and_a_missing_function_is_caught(tmp_path):
    """libavcodec with x265 and SVT-AV1 replaced by stubs still loads with every
    symbol bound (RTLD_NOW); a stub that lacked a function it imports would
    not, which is what the smoke test's LD_BIND_NOW run catches."""
    from stub_libs import build_stub, compiler, stub_unused_libraries
    if compiler() is None:
        pytest.skip("no C compiler")
    codec = next(_av_libs().glob("libavcodec-*.so*"))
    work = tmp_path / "av.libs"
    work.mkdir()
    copied = _copy_with_dependencies(codec, work)
    x265 = next(work.glob("libx265-*"))
    svt = next(work.glob("libSvtAv1Enc-*"))
    sizes = {p.name: p.stat().st_size for p in (x265, svt)}
    messages = []
    saved = stub_unused_libraries(tmp_path, cfg.STUB_LIBRARIES, cfg.STUB_RETURNS,
                                  log=messages.append)
    assert saved > 0.9 * sum(sizes.values())
    assert x265.stat().st_size < 20_000 and svt.stat().st_size < 20_000
    assert any("libx265" in m and "1 functions" in m for m in messages)
    result = _loads(copied)
    assert result.returncode == 0 and "loaded" in result.stdout, result.stderr
    build_stub(x265, set(), {}, compiler())  # a stub missing x265_api_get_*
    result = _loads(copied)
    assert result.returncode != 0 and "undefined symbol: x265_api_get" in result.stderr


def test_runtime_hook_installs_the_network_guard_before_changing_anything(tmp_path):
    """In the frozen app the runtime hook imports `app` first: the proxy
    variables are blocked, and the user's environment is kept as it was
    before the hook and PyInstaller's loader changed it (LD_LIBRARY_PATH back
    to the user's, the loader's _PYI_ variables gone) for the programs the
    user starts from the app."""
    bundle = tmp_path / "bundle"
    (bundle / "PySide6").mkdir(parents=True)
    code = f"""
import json, os, sys, runpy
sys.frozen = True
sys._MEIPASS = {str(bundle)!r}
runpy.run_path({str(PACKAGING / 'rthook_posecloak.py')!r})
from app.base import netguard
print(json.dumps({{"installed": netguard.installed(), "user": netguard.original_environ()}}))
"""
    cv2_plugins = str(tmp_path / "cv2" / "qt" / "plugins")
    env = dict(os.environ, LD_LIBRARY_PATH=str(bundle), LD_LIBRARY_PATH_ORIG="/opt/users/lib",
               _PYI_ARCHIVE_FILE=str(bundle / "posecloak"), HTTPS_PROXY="http://proxy.example:8080",
               QT_QPA_PLATFORM_PLUGIN_PATH=cv2_plugins)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, env=env, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-2000:]
    got = json.loads(res.stdout.strip().splitlines()[-1])
    assert got["installed"]
    user = got["user"]
    assert user["LD_LIBRARY_PATH"] == "/opt/users/lib" and "LD_LIBRARY_PATH_ORIG" not in user
    assert not any(k.startswith("_PYI_") for k in user)
    assert user["HTTPS_PROXY"] == "http://proxy.example:8080"
    assert user["QT_QPA_PLATFORM_PLUGIN_PATH"] == cv2_plugins  # the user's, for their programs
