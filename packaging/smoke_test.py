"""Smoke test of the frozen app built by packaging/build.py.

    python packaging/smoke_test.py [--bundle DIR] [--media CLIP] [--max-mb N]

Runs the frozen executable the way a user's machine would, with a clean
environment: no POSECLOAK_MODEL, POSECLOAK_OFFLINE=1 (a missing bundled model
fails instead of downloading), QT_QPA_PLATFORM=offscreen, and a temporary
HOME/XDG/APPDATA so no cached model or settings help. Checks:

1. the bundle: the model under resources/models/, libmediapipe, exactly one
   Qt (Qt 6 once; no Qt 5 library, no cv2/qt folder), no OpenCV, the Qt plugins the app
   needs (platforms incl. offscreen and the desktop one, imageformats), and on
   Linux that every bundled library's dependencies resolve (ldd);
2. `posecloak --version` prints app.__version__;
3. `posecloak model --offline` resolves the bundled model (inside the bundle),
   and `posecloak cameras` lists cameras through FFmpeg's capture devices;
4. `posecloak convert CLIP -o OUT.mp4` writes a valid H.264 MP4 with as many
   frames as CLIP (checked with PyAV from the development environment), and a
   PNG still converts to a JPEG; on Linux the conversion and `model` run under
   strace (tests/helpers/nettrace.py) and fail on any connection attempt off
   the machine (MediaPipe's native telemetry included); without strace the
   check is skipped, except in CI, where it fails;
5. `posecloak gui --quit-after 1500` opens the window offscreen and exits 0,
   loading Qt plugins only from inside the bundle; on Linux with Xvfb
   installed, again on a virtual X server (the xcb plugin);
6. reports the unpacked size (fails above --max-mb, a regression guard).

Exits 0 when all pass, else 1 with a one-line reason.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))
import bundle_config as cfg  # noqa: E402
from stub_libs import is_elf  # noqa: E402

sys.path.insert(0, str(ROOT))
from tests.helpers import nettrace  # noqa: E402 - standard library only

IS_WIN, IS_MAC, IS_LINUX = sys.platform == "win32", sys.platform == "darwin", sys.platform.startswith("linux")
DEFAULT_MEDIA = ROOT.parent / "shared" / "media" / "carphone_pristine.mp4"
# Regression guard for the unpacked size (MB = 10^6 bytes); see packaging/README.md.
DEFAULT_MAX_MB = {"linux": 380, "win32": 450, "darwin": 500}
# Libraries a Qt plugin may need from the host's graphics stack (never bundled).
HOST_GRAPHICS = re.compile(r"^lib(GL|EGL|GLESv2|GLX|OpenGL|vulkan|wayland-[a-z]+|gbm|drm)\b")


class SmokeFailure(Exception):
    pass


def check(cond: bool, reason: str) -> None:
    if not cond:
        raise SmokeFailure(reason)


def say(msg: str) -> None:
    print(f"smoke: {msg}", flush=True)


def app_version() -> str:
    text = (ROOT / "app" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'__version__\s*=\s*"([^"]+)"', text).group(1)


# --------------------------------------------------------------------------
# the bundle on disk


def locate(bundle: Path | None) -> tuple[Path, Path, Path]:
    """(bundle root, executable, internal dir = sys._MEIPASS)."""
    if bundle is None:
        bundle = ROOT / "dist" / (cfg.MAC_BUNDLE_NAME if IS_MAC else cfg.APP_NAME)
    check(bundle.exists(), f"no bundle at {bundle}; run python packaging/build.py first")
    if bundle.suffix == ".app":
        exe, internal = bundle / "Contents" / "MacOS" / cfg.APP_NAME, bundle / "Contents" / "Frameworks"
    else:
        exe = bundle / (cfg.APP_NAME + (".exe" if IS_WIN else ""))
        internal = bundle / "_internal"
    check(exe.is_file(), f"no executable at {exe}")
    check(internal.is_dir(), f"no {internal.name}/ folder in {bundle}")
    return bundle, exe, internal


def files_under(folder: Path):
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in filenames + [d for d in dirnames if Path(dirpath, d).is_symlink()]:
            yield Path(dirpath) / name


def check_layout(bundle: Path, internal: Path) -> None:
    model = internal / cfg.MODEL_DEST / cfg.MODEL_FILENAME
    check(model.is_file() and model.stat().st_size > 1_000_000,
          f"bundled model missing or empty: {model}")

    mp_lib = {"win32": "libmediapipe.dll", "darwin": "libmediapipe.dylib"}.get(sys.platform,
                                                                              "libmediapipe.so")
    check((internal / "mediapipe" / "tasks" / "c" / mp_lib).is_file(),
          f"native library mediapipe/tasks/c/{mp_lib} missing")

    dangling = [p for p in files_under(bundle) if p.is_symlink() and not p.exists()]
    check(not dangling, f"dangling links in the bundle: {[str(p) for p in dangling[:3]]}")
    rel = [p.relative_to(bundle).as_posix() for p in files_under(bundle)]
    qt5 = [r for r in rel if cfg.FORBIDDEN_QT5.search(r)]
    check(not qt5, f"a second Qt ships in the bundle: {qt5[:3]}")
    opencv = [r for r in rel if re.search(r"(^|/)(cv2|opencv[^/]*)(/|$)", r)]
    check(not opencv, f"OpenCV ships in the bundle (the app does not use it): {opencv[:3]}")
    core = [r for r in rel if re.search(r"(^|/)(libQt6Core\.so\.6|Qt6Core\.dll|QtCore)$", r)
            and not (bundle / r).is_symlink()]
    check(len(core) == 1, f"expected exactly one Qt 6 core library, found {core}")

    plugins = next((p for p in (internal / "PySide6" / "Qt" / "plugins", internal / "PySide6" / "plugins")
                    if p.is_dir()), None)
    check(plugins is not None, "no Qt plugins folder in the bundle")
    names = {p.relative_to(plugins).as_posix() for p in files_under(plugins)}

    def has(category: str, stem: str) -> bool:
        return any(re.fullmatch(rf"{category}/(lib)?{stem}\.(so|dll|dylib)", n) for n in names)

    desktop = {"win32": "qwindows", "darwin": "qcocoa"}.get(sys.platform, "qxcb")
    for category, stem in (("platforms", "qoffscreen"), ("platforms", desktop),
                           ("imageformats", "qjpeg"), ("imageformats", "qico")):
        check(has(category, stem), f"Qt plugin {category}/{stem} missing")
    if IS_LINUX:
        check(has("platforms", "qwayland"), "Qt plugin platforms/qwayland missing")
    say(f"bundle layout ok: model, {mp_lib}, one Qt ({core[0]}), {len(names)} Qt plugins")


def check_linux_libraries(internal: Path) -> None:
    """Every bundled ELF file's dependencies resolve inside the bundle or on the host."""
    if not shutil.which("ldd"):
        say("ldd not found: library check skipped")
        return
    try:  # PyInstaller's own rule for what a bundle must carry (libc, libGL ... stay outside)
        from PyInstaller.depend.dylib import include_library
    except ImportError:
        include_library = None
    env = dict(os.environ, LD_LIBRARY_PATH=str(internal))
    inside = os.path.realpath(internal) + os.sep
    problems, count = [], 0
    for path in files_under(internal):
        if path.is_symlink() or not path.is_file() or ".so" not in path.name or not is_elf(path):
            continue
        count += 1
        out = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env).stdout
        optional = "/plugins/" in path.as_posix() or re.match(r"libQt6(Wayland|Wl)", path.name)
        for line in out.splitlines():
            if "=>" not in line:
                continue
            lib, _, where = (x.strip() for x in line.partition("=>"))
            where = where.split(" (")[0].strip()
            if optional and HOST_GRAPHICS.match(lib):
                continue  # graphics/Wayland libraries come from the host; only used there
            if where == "not found":
                problem = f"{path.relative_to(internal)} needs {lib}"
            elif (where.startswith("/") and not os.path.realpath(where).startswith(inside)
                  and include_library is not None and include_library(where)):
                problem = f"{path.relative_to(internal)} uses {lib} from the host, not the bundle"
            else:
                continue
            if problem not in problems:
                problems.append(problem)
    check(not problems, f"unresolved native libraries ({len(problems)}): {'; '.join(problems[:3])}")
    say(f"native libraries ok: {count} ELF files, all dependencies resolve")


# --------------------------------------------------------------------------
# running the frozen app


def clean_env(tmp: Path) -> dict[str, str]:
    keep = ("PATH", "SYSTEMROOT", "SystemRoot", "WINDIR", "COMSPEC", "TEMP", "TMP", "TMPDIR",
            "NUMBER_OF_PROCESSORS", "PROCESSOR_ARCHITECTURE")
    env = {k: v for k, v in os.environ.items() if k in keep}
    home = tmp / "home"
    for sub in ("cache", "config", "data", "state", "run", "appdata", "localappdata"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    os.chmod(home / "run", 0o700)
    env.update({
        "HOME": str(home), "USERPROFILE": str(home),
        "XDG_CACHE_HOME": str(home / "cache"), "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"), "XDG_STATE_HOME": str(home / "state"),
        "XDG_RUNTIME_DIR": str(home / "run"),
        "APPDATA": str(home / "appdata"), "LOCALAPPDATA": str(home / "localappdata"),
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
        "POSECLOAK_OFFLINE": "1",
        "QT_QPA_PLATFORM": "offscreen",
        # As if a parent process had imported OpenCV's GUI wheel: the app must
        # not use another Qt's plugin folder.
        "QT_QPA_PLATFORM_PLUGIN_PATH": str(tmp / "cv2" / "qt" / "plugins"),
    })
    env.pop("POSECLOAK_MODEL", None)
    if IS_LINUX:
        # Bind every symbol at load: a library (or a build stub) lacking a
        # function any loaded library imports fails at once, not when called.
        env["LD_BIND_NOW"] = "1"
    return env


def run(exe: Path, args: list[str], env: dict[str, str], timeout: float, what: str,
        prefix: list[str] = ()):
    t0 = time.monotonic()
    try:
        res = subprocess.run([*prefix, str(exe), *args], env=env, capture_output=True, text=True,
                             timeout=timeout, errors="replace")
    except subprocess.TimeoutExpired:
        raise SmokeFailure(f"{what}: no exit within {timeout:.0f} s") from None
    if res.returncode != 0:
        tail = (res.stderr.strip() or res.stdout.strip()).splitlines()[-1:] or ["(no output)"]
        raise SmokeFailure(f"{what}: exit {res.returncode}: {tail[0][:300]}")
    return res, time.monotonic() - t0


def count_frames(path: Path) -> tuple[int, str, str]:
    import av
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        n = sum(1 for _ in c.decode(stream))
        return n, stream.codec_context.name, c.format.name


def synthetic_clip(path: Path, frames: int = 30) -> Path:
    """A short clip for machines without ../shared/media (release runners)."""
    import av
    import numpy as np
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=15)
        s.width, s.height, s.pix_fmt = 176, 144, "yuv420p"
        for i in range(frames):
            img = np.zeros((144, 176, 3), np.uint8)
            img[:, :, 1] = np.linspace(0, 255, 176, dtype=np.uint8)[None, :]
            img[40:100, 20 + 3 * i:60 + 3 * i] = 255
            for pkt in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(pkt)
        for pkt in s.encode():
            c.mux(pkt)
    return path


def network_tracer() -> bool:
    """Whether strace can watch the frozen app here (required on Linux in CI)."""
    problem = nettrace.strace_problem()
    if problem is None:
        return True
    check(not nettrace.must_trace(), f"{problem}; CI must trace the bundle's network use")
    say(f"{problem}: network check skipped")
    return False


def traced_run(exe: Path, args: list[str], env: dict[str, str], timeout: float, what: str,
               tmp: Path, trace: bool):
    """`run`, under strace when `trace`: fails on any attempt to reach another
    machine (a connect or send to a non-loopback address, or to port 53)."""
    if not trace:
        return run(exe, args, env, timeout, what)
    log = tmp / f"{what.split()[0]}-net.trace"
    res, dt = run(exe, args, env, timeout, what, prefix=nettrace.traced_command([], log))
    attempts = nettrace.off_machine(log.read_text(errors="replace"))
    check(not attempts, f"{what}: tried to reach another machine ({len(attempts)} system "
                        f"calls): {'; '.join(map(str, attempts[:4]))}")
    say(f"network ok: {what} made no connection attempt off the machine (strace)")
    return res, dt


def check_runtime(bundle: Path, exe: Path, internal: Path, media: Path | None, tmp: Path) -> None:
    env = clean_env(tmp)
    trace = network_tracer()

    res, _ = run(exe, ["--version"], env, 120, "--version")
    version = app_version()
    check(version in res.stdout + res.stderr,
          f"--version printed {res.stdout.strip()!r}, expected {version}")
    say(f"--version ok: {res.stdout.strip()}")

    res, dt = traced_run(exe, ["model", "--offline"], env, 180, "model", tmp, trace)
    lines = res.stdout.strip().splitlines()
    check(bool(lines), "model: printed no path")
    found = Path(lines[-1].strip()).resolve()
    check(found == (internal / cfg.MODEL_DEST / cfg.MODEL_FILENAME).resolve(),
          f"model: resolved {found}, not the bundled model")
    say(f"model ok: bundled {found.name} found and loaded ({dt:.1f} s)")

    # Cameras go through FFmpeg's capture devices (PyAV); listing them loads
    # libavdevice in the frozen app. CI machines have no camera.
    res, _ = run(exe, ["cameras"], env, 120, "cameras")
    listed = res.stdout.strip()
    check(listed.startswith(("0: ", "No camera found")), f"cameras printed {listed[:200]!r}")
    say(f"cameras ok: {listed.splitlines()[0][:80]}")

    if media is None or not media.is_file():
        media = synthetic_clip(tmp / "synthetic.mp4")
        say(f"no shared clip: using a synthetic one ({media.name})")
    out = tmp / "out" / "skeleton.mp4"
    out.parent.mkdir()
    res, dt = traced_run(exe, ["convert", str(media), "-o", str(out), "--quiet"], env, 600,
                         "convert", tmp, trace)
    check(out.is_file() and out.stat().st_size > 0, f"convert: no output at {out}")
    n_in, _, _ = count_frames(media)
    n_out, codec, fmt = count_frames(out)
    check(codec == "h264", f"convert: output codec {codec}, expected h264")
    check("mp4" in fmt, f"convert: output container {fmt}, expected mp4")
    check(n_out == n_in, f"convert: {n_out} frames written, input has {n_in}")
    say(f"convert ok: {media.name} -> H.264 MP4, {n_out} frames, {dt:.1f} s")

    # A still through FFmpeg's image codecs (PNG in, JPEG out) and the NumPy
    # raster, all from the bundle.
    still_in = ROOT / "resources" / "icons" / "posecloak-128.png"
    still_out = tmp / "out" / "still.jpg"
    run(exe, ["convert", str(still_in), "-o", str(still_out), "--quiet"], env, 300, "convert still")
    n_still, codec, _ = count_frames(still_out)
    check(n_still == 1 and codec == "mjpeg", f"convert still: got {n_still} frame(s) of {codec}")
    say(f"convert still ok: {still_in.name} -> JPEG")

    # POSECLOAK_DEBUG keeps native stderr (the app silences it), where Qt logs
    # each plugin folder it searches.
    gui_env = dict(env, QT_DEBUG_PLUGINS="1", POSECLOAK_DEBUG="1")
    res, dt = run(exe, ["gui", "--quit-after", "1500", "--settings", str(tmp / "settings.json")],
                  gui_env, 120, "gui --quit-after 1500")
    searched = set(re.findall(r'checking directory path "([^"]+)"', res.stderr + res.stdout))
    check(bool(searched), "gui: Qt logged no plugin folders (QT_DEBUG_PLUGINS); cannot tell "
                          "where plugins came from")
    def norm(p: str) -> str:
        return os.path.normcase(os.path.realpath(p))

    outside = sorted(p for p in searched if not norm(p).startswith(norm(str(bundle)) + os.sep))
    check(not outside, f"gui: Qt searched plugins outside the bundle: {outside[:3]}")
    say(f"gui ok: window opened offscreen and quit cleanly ({dt:.1f} s, "
        f"{len(searched)} plugin folders searched, all inside the bundle)")

    if IS_LINUX and shutil.which("Xvfb"):
        check_gui_on_x11(exe, env, tmp)


def check_gui_on_x11(exe: Path, env: dict[str, str], tmp: Path) -> None:
    """The desktop platform plugin (xcb) too, on a virtual X server."""
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", "1280x800x24",
                             "-nolisten", "tcp"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        display = xvfb.stdout.readline().strip()
        check(display.isdigit(), "Xvfb did not start")
        x_env = dict(env, QT_QPA_PLATFORM="xcb", DISPLAY=f":{display}")
        _, dt = run(exe, ["gui", "--quit-after", "1500", "--settings", str(tmp / "settings-x11.json")],
                    x_env, 120, "gui on X11 (xcb)")
        say(f"gui ok on X11: xcb platform plugin loaded, quit cleanly ({dt:.1f} s)")
    finally:
        xvfb.terminate()
        try:
            xvfb.wait(10)
        except subprocess.TimeoutExpired:
            xvfb.kill()


def tree_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in files_under(folder) if p.is_file() and not p.is_symlink())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Smoke-tests the frozen PoseCloak app.")
    ap.add_argument("--bundle", type=Path, help="dist/posecloak (default; dist/PoseCloak.app on macOS)")
    ap.add_argument("--media", type=Path, default=DEFAULT_MEDIA,
                    help="clip to convert (default ../shared/media/carphone_pristine.mp4, "
                         "else a synthetic clip)")
    ap.add_argument("--max-mb", type=float, default=DEFAULT_MAX_MB.get(sys.platform, 650),
                    help="fail when the unpacked bundle is larger (regression guard)")
    args = ap.parse_args(argv)
    try:
        bundle, exe, internal = locate(args.bundle)
        check_layout(bundle, internal)
        if IS_LINUX:
            check_linux_libraries(internal)
        with tempfile.TemporaryDirectory(prefix="posecloak-smoke-") as tmp:
            check_runtime(bundle, exe, internal, args.media, Path(tmp))
        size = tree_size(bundle) / 1e6
        check(size <= args.max_mb, f"bundle is {size:.1f} MB unpacked, over the {args.max_mb:.0f} MB guard")
        say(f"size: {size:.1f} MB unpacked (guard {args.max_mb:.0f} MB; goal 350 MB on Linux)")
    except SmokeFailure as exc:
        print(f"smoke test FAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    say("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
