"""Link-time-only libraries replaced by small stubs in the Linux bundle.

PyAV's wheel builds FFmpeg with encoders and capture devices PoseCloak never
opens (x265, SVT-AV1, X11 screen capture over XCB). libavcodec and
libavdevice still name their libraries as DT_NEEDED, so the loader wants the
files: 53 MB of the bundle (the XCB libraries are padded to 2 MB alignment by
the wheel build). Each is replaced by a stub with the same name and SONAME
that defines exactly the functions the bundle's other libraries import from
it; every stub function returns a failure value (NULL, or the library's error
code), so were one ever called, FFmpeg would report that the encoder or
device cannot open instead of crashing. Rules: bundle_config.STUB_LIBRARIES.

Linux only; needs nm, readelf and a C compiler (cc/gcc), else it does nothing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

FUNCTION_TYPES = set("TtWi")  # nm: text, weak, indirect (GNU ifunc)


def is_elf(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def _nm(path: Path, *flags: str) -> list[list[str]]:
    res = subprocess.run(["nm", "-D", *flags, str(path)], capture_output=True, text=True)
    return [line.split() for line in res.stdout.splitlines() if line.strip()]


def undefined_symbols(path: Path) -> set[str]:
    return {fields[-1].split("@")[0] for fields in _nm(path, "--undefined-only")}


def defined_symbols(path: Path) -> dict[str, str]:
    """Exported dynamic symbols -> nm type letter."""
    out = {}
    for fields in _nm(path, "--defined-only"):
        if len(fields) >= 3:
            out[fields[2].split("@")[0]] = fields[1]
    return out


def needed_libraries(path: Path) -> list[str]:
    res = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True)
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", res.stdout)


def soname(path: Path) -> str:
    res = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True)
    m = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", res.stdout)
    return m.group(1) if m else path.name


def stub_source(symbols: Iterable[str], returns: dict[str, str]) -> str:
    """C for a library whose functions `symbols` all fail: each returns the
    value of the longest matching prefix in `returns`, else 0 (NULL)."""
    lines = ["/* PoseCloak bundle stub: this library's features are not in the app. */"]
    for name in sorted(symbols):
        match = max((p for p in returns if name.startswith(p)), key=len, default=None)
        value = returns[match] if match is not None else "0"
        lines.append(f"long {name}(void) {{ return (long)({value}); }}")
    return "\n".join(lines) + "\n"


def compiler() -> str | None:
    return next((c for c in ("cc", "gcc", "clang") if shutil.which(c)), None)


def build_stub(original: Path, symbols: set[str], returns: dict[str, str], cc: str) -> None:
    """Replaces `original` with a stub exporting `symbols` under its SONAME."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "stub.c"
        out = Path(tmp) / original.name
        src.write_text(stub_source(symbols, returns))
        subprocess.run([cc, "-shared", "-fPIC", "-O2", "-s", f"-Wl,-soname,{soname(original)}",
                        "-o", str(out), str(src)], check=True, capture_output=True, text=True)
        mode = original.stat().st_mode
        shutil.copyfile(out, original)
        original.chmod(mode)


def stub_unused_libraries(folder: Path, rules: dict[str, str], returns: dict[str, str],
                          log=print) -> int:
    """Stubs the libraries in `folder` whose names match a pattern of `rules`
    (pattern -> why), then deletes the libraries only the originals linked. Returns
    the bytes saved. Raises RuntimeError if a stubbed library's data (not a
    function) is imported: that cannot be stubbed safely."""
    if not all(shutil.which(t) for t in ("nm", "readelf")) or compiler() is None:
        log("stub: nm, readelf or a C compiler not found: unused libraries kept")
        return 0
    elfs = [p for p in sorted(folder.rglob("*.so*")) if p.is_file() and not p.is_symlink()
            and is_elf(p)]
    targets = [p for p in elfs if any(re.fullmatch(rx, p.name) for rx in rules)]
    if not targets:
        return 0
    keep = [p for p in elfs if p not in targets]
    links = {p: set(needed_libraries(p)) for p in keep}
    imports: dict[Path, set[str]] = {}  # libavdevice links four targets: read it once
    before = sum(p.stat().st_size for p in targets)
    # What the originals linked, before they are replaced (libXau for libxcb).
    linked_by_targets = {n for p in targets for n in needed_libraries(p)}
    for lib in targets:
        # Only what the libraries that link this very file import from it
        # (Qt's XCB plugin imports the same names from the system's libxcb).
        names = {lib.name, soname(lib)}
        wanted: set[str] = set()
        for user in (p for p in keep if links[p] & names):
            if user not in imports:
                imports[user] = undefined_symbols(user)
            wanted |= imports[user]
        defined = defined_symbols(lib)
        used = {s for s in wanted if s in defined}
        data = sorted(s for s in used if defined[s] not in FUNCTION_TYPES)
        if data:
            raise RuntimeError(f"{lib.name}: data symbols imported, cannot stub: {data[:5]}")
        build_stub(lib, used, returns, compiler())
        why = next(w for rx, w in rules.items() if re.fullmatch(rx, lib.name))
        log(f"stub: {lib.relative_to(folder)} ({len(used)} functions; {why})")
    saved = before - sum(p.stat().st_size for p in targets)
    # Libraries only the originals linked are orphans now: remove them.
    target_names = {p.name for p in targets}
    needed = set().union(*links.values())
    for p in keep:
        if p.name in linked_by_targets and p.name not in needed | target_names:
            saved += p.stat().st_size
            log(f"stub: {p.relative_to(folder)} removed (nothing links it now)")
            p.unlink()
    # PyInstaller may have put links to them elsewhere in the bundle.
    for link in [p for p in folder.rglob("*") if p.is_symlink() and not p.exists()]:
        log(f"stub: dangling link {link.relative_to(folder)} removed")
        link.unlink()
    return saved
