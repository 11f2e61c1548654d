"""Builds the PoseCloak app bundle with PyInstaller.

    python packaging/build.py [--model PATH] [--clean] [--archive] [--no-strip] [--no-stub]

Produces dist/posecloak/ with the executable dist/posecloak/posecloak
(posecloak.exe on Windows; on macOS also dist/PoseCloak.app). One build serves
the GUI (no arguments, or `gui`) and the CLI (`convert`, `info`, `model`).

Steps: stage the pose model (--model, else app.pose.model.resolve_model():
$POSECLOAK_MODEL, resources/models/, the user cache, else a one-time download
of the official model), the icon (.ico/.icns made from
resources/icons/posecloak.png where the platform needs them), the Windows
version resource and the licence files in build/stage/; run PyInstaller on
packaging/posecloak.spec; on Linux strip the ELF files that still carry symbol
tables and replace the FFmpeg libraries the app never calls with failing stubs
(packaging/stub_libs.py); print the bundle size; with --archive pack it for
release.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
sys.path.insert(0, str(PACKAGING))
sys.path.insert(0, str(ROOT))

import bundle_config as cfg  # noqa: E402
from stub_libs import is_elf, stub_unused_libraries  # noqa: E402

STAGE = ROOT / "build" / "stage"
WORK = ROOT / "build" / "pyinstaller"
DIST = ROOT / "dist"
IS_WIN, IS_MAC, IS_LINUX = sys.platform == "win32", sys.platform == "darwin", sys.platform.startswith("linux")

# Python distributions in the bundle whose licence files go to resources/licenses/.
LICENSED_DISTRIBUTIONS = [
    "mediapipe", "PySide6-Essentials", "shiboken6", "av",
    "numpy", "pyqtgraph", "platformdirs", "absl-py", "flatbuffers", "certifi", "colorama",
]
LICENSE_WORDS = ("LICENSE", "LICENCE", "COPYING", "NOTICE", "AUTHORS")


def log(msg: str) -> None:
    print(f"build: {msg}", flush=True)


def fail(msg: str) -> None:
    print(f"build: error: {msg}", file=sys.stderr, flush=True)
    raise SystemExit(1)


# --------------------------------------------------------------------------
# staging


def stage_model(explicit: str | None) -> Path:
    from app.base.errors import PoseCloakError
    from app.pose.model import check_model_file, resolve_model

    try:
        if explicit:
            src = check_model_file(Path(explicit).expanduser())
        else:
            def progress(done: int, total: int) -> None:
                if total and done == total:
                    log(f"downloaded the model ({total / 1e6:.1f} MB)")
            src = resolve_model(None, cfg.MODEL_VARIANT, progress=progress)
    except PoseCloakError as exc:
        fail(f"no pose model: {exc}")
    dest = STAGE / "models" / cfg.MODEL_FILENAME
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    log(f"model: {src} -> {cfg.MODEL_DEST}/{cfg.MODEL_FILENAME}")
    return dest


def stage_icons() -> None:
    png = ROOT / "resources" / "icons" / "posecloak.png"
    if not png.is_file():
        fail(f"missing app icon {png.relative_to(ROOT)} (python -m app.gui.icons writes it)")
    out = STAGE / "icons"
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(png, out / "posecloak.png")
    if IS_WIN or IS_MAC:
        from PIL import Image  # build-time only (Pillow comes with the dev environment)
        img = Image.open(png).convert("RGBA")
        if IS_WIN:
            img.save(out / "posecloak.ico",
                     sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
        else:
            big = img.resize((512, 512), Image.LANCZOS)
            big.save(out / "posecloak.icns")
    log(f"icon: {png.relative_to(ROOT)}")


def stage_licenses() -> None:
    out = STAGE / "licenses"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    shutil.copyfile(PACKAGING / "THIRD_PARTY_NOTICES.md", out / "THIRD_PARTY_NOTICES.md")
    for text in sorted((PACKAGING / "licenses").glob("*.txt")):
        shutil.copyfile(text, out / text.name)
    project_license = ROOT / "LICENSE"
    if project_license.is_file():
        shutil.copyfile(project_license, out / "PoseCloak-LICENSE.txt")
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    python_license = Path(sys.base_prefix) / ("LICENSE.txt" if IS_WIN else f"lib/python{version}/LICENSE.txt")
    if python_license.is_file():
        (out / "Python").mkdir()
        shutil.copyfile(python_license, out / "Python" / "LICENSE.txt")
    copied = 0
    for name in LICENSED_DISTRIBUTIONS:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # e.g. colorama only exists on Windows
        for f in dist.files or []:
            if any(w in f.name.upper() for w in LICENSE_WORDS) and ".dist-info" in str(f):
                src = Path(dist.locate_file(f))
                rel = str(f).split(".dist-info/", 1)[1]
                dest = out / name / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dest)
                copied += 1
    log(f"licences: THIRD_PARTY_NOTICES.md, common texts and {copied} package files")


def stage_version() -> str:
    from app import __version__
    nums = [int(p) for p in __version__.split(".")[:3] if p.isdigit()]
    nums += [0] * (4 - len(nums))
    vt = tuple(nums[:4])
    (STAGE / "version_info.txt").write_text(f"""# UTF-8 (generated by packaging/build.py)
VSVersionInfo(
  ffi=FixedFileInfo(filevers={vt}, prodvers={vt}, mask=0x3f, flags=0x0, OS=0x40004,
                    fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('040904B0', [
      StringStruct('CompanyName', 'PoseCloak'),
      StringStruct('FileDescription', 'PoseCloak - skeleton-only video'),
      StringStruct('FileVersion', '{__version__}'),
      StringStruct('InternalName', '{cfg.APP_NAME}'),
      StringStruct('LegalCopyright', 'Apache-2.0; third-party notices in resources/licenses'),
      StringStruct('OriginalFilename', '{cfg.APP_NAME}.exe'),
      StringStruct('ProductName', 'PoseCloak'),
      StringStruct('ProductVersion', '{__version__}')])]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
""", encoding="utf-8")
    return __version__


# --------------------------------------------------------------------------
# after PyInstaller


def bundle_dir() -> Path:
    return DIST / cfg.APP_NAME


def executable() -> Path:
    return bundle_dir() / (cfg.APP_NAME + (".exe" if IS_WIN else ""))


def tree_size(folder: Path) -> int:
    total = 0
    for p in folder.rglob("*"):
        if p.is_file() and not p.is_symlink():
            total += p.stat().st_size
    return total


def has_symtab(path: Path) -> bool:
    """True for an ELF file that still has a .symtab section (not stripped)."""
    if not is_elf(path):
        return False
    out = subprocess.run(["readelf", "-S", "--wide", str(path)], capture_output=True, text=True)
    return out.returncode == 0 and " .symtab " in out.stdout


def strip_elf_files(folder: Path) -> int:
    """Strips ELF files that still carry symbol tables (libmediapipe, libpython,
    ICU ...); already-stripped wheel libraries are left alone. Returns bytes saved."""
    if not (shutil.which("strip") and shutil.which("readelf")):
        log("strip/readelf not found: skipping strip (bundle will be larger)")
        return 0
    saved = 0
    for p in sorted(folder.rglob("*")):
        if p.is_symlink() or not p.is_file() or not has_symtab(p):
            continue
        before = p.stat().st_size
        tmp = p.with_name(p.name + ".stripped")
        res = subprocess.run(["strip", "--strip-unneeded", "-o", str(tmp), str(p)],
                             capture_output=True, text=True)
        if res.returncode != 0 or not tmp.is_file():
            tmp.unlink(missing_ok=True)
            log(f"strip failed on {p.relative_to(folder)}, kept as is: {res.stderr.strip()}")
            continue
        os.chmod(tmp, p.stat().st_mode)
        os.replace(tmp, p)
        saved += before - p.stat().st_size
    return saved


def check_one_qt(folder: Path) -> None:
    bad = [p for p in folder.rglob("*")
           if cfg.FORBIDDEN_QT5.search(p.relative_to(folder).as_posix())]
    if bad:
        fail("a second Qt is in the bundle: " + ", ".join(str(p.relative_to(folder)) for p in bad[:5]))


def make_archive(version: str) -> Path:
    arch = platform.machine().lower().replace("amd64", "x86_64").replace("aarch64", "arm64")
    osname = "windows" if IS_WIN else "macos" if IS_MAC else "linux"
    base = DIST / f"{cfg.APP_NAME}-{version}-{osname}-{arch}"
    if IS_MAC:
        target = base.with_suffix(".zip")
        target.unlink(missing_ok=True)
        # ditto keeps the .app's symlinks and extended attributes.
        subprocess.run(["ditto", "-c", "-k", "--sequesterRsrc", "--keepParent",
                        str(DIST / cfg.MAC_BUNDLE_NAME), str(target)], check=True)
    elif IS_WIN:
        target = Path(shutil.make_archive(str(base), "zip", DIST, cfg.APP_NAME))
    else:
        target = base.with_name(base.name + ".tar.gz")
        with tarfile.open(target, "w:gz", compresslevel=6) as tar:
            tar.add(bundle_dir(), arcname=cfg.APP_NAME)  # symlinks stay symlinks
    return target


# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="pose_landmarker_full .task to bundle "
                                    "(default: the one the app resolves, downloading it if needed)")
    ap.add_argument("--clean", action="store_true", help="empty PyInstaller's cache first")
    ap.add_argument("--archive", action="store_true", help="also pack dist/ into a .tar.gz/.zip")
    ap.add_argument("--no-strip", action="store_true", help="do not strip ELF files (Linux)")
    ap.add_argument("--no-stub", action="store_true",
                    help="keep FFmpeg's unused encoder/capture libraries as they are (Linux)")
    args = ap.parse_args(argv)

    t0 = time.monotonic()
    shutil.rmtree(STAGE, ignore_errors=True)
    STAGE.mkdir(parents=True)
    stage_model(args.model)
    stage_icons()
    stage_licenses()
    version = stage_version()
    log(f"version {version}, Python {platform.python_version()}, {sys.platform}")

    cmd = [sys.executable, "-m", "PyInstaller", str(PACKAGING / "posecloak.spec"), "--noconfirm",
           "--distpath", str(DIST), "--workpath", str(WORK), "--log-level", "WARN"]
    if args.clean:
        cmd.append("--clean")
    env = dict(os.environ, POSECLOAK_STAGE=str(STAGE))
    log("running PyInstaller")
    res = subprocess.run(cmd, cwd=ROOT, env=env)
    if res.returncode != 0:
        fail(f"PyInstaller failed (exit {res.returncode})")
    if not executable().is_file():
        fail(f"PyInstaller produced no {executable().relative_to(ROOT)}")

    size_before = tree_size(bundle_dir())
    if IS_LINUX and not args.no_strip:
        saved = strip_elf_files(bundle_dir())
        log(f"stripped symbol tables: {saved / 1e6:.1f} MB saved")
    if IS_LINUX and not args.no_stub:
        try:
            saved = stub_unused_libraries(bundle_dir(), cfg.STUB_LIBRARIES, cfg.STUB_RETURNS,
                                          log=log)
        except (RuntimeError, subprocess.CalledProcessError) as exc:
            fail(f"stubbing unused libraries failed: {getattr(exc, 'stderr', '') or exc}")
        log(f"stubbed unused libraries: {saved / 1e6:.1f} MB saved")
    check_one_qt(bundle_dir())
    if IS_MAC:
        check_one_qt(DIST / cfg.MAC_BUNDLE_NAME)
    # The notices also sit next to the executable, where users look.
    shutil.copyfile(PACKAGING / "THIRD_PARTY_NOTICES.md", bundle_dir() / "THIRD_PARTY_NOTICES.md")

    size = tree_size(bundle_dir())
    log(f"bundle: {bundle_dir().relative_to(ROOT)} {size / 1e6:.1f} MB unpacked "
        f"({size_before / 1e6:.1f} MB before stripping and stubs), built in {time.monotonic() - t0:.0f} s")
    if args.archive:
        target = make_archive(version)
        log(f"archive: {target.relative_to(ROOT)} {target.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
