"""Files written atomically, and files' hashes: the one home of both.

Atomic writes: write under a temporary name beside the target, rename on
success, remove on failure. A run killed mid-way leaves only a clearly
named temp file, which the next run in that folder removes. Every atomic
write in the app (outputs, the model download and its hash record, a
worker's model copy, the cluster manifest, presets) goes through
`replaced_on_success`; user outputs through `atomic_output`, which adds the
checks and the one-line messages.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.base.errors import OutputError

TEMP_MARK = ".posecloak-partial"
_TEMP_RE = re.compile(r"^\..+\.posecloak-partial-(\d+)-\d+(\.[^.]+)?$")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def clean_stale_partials(folder: Path) -> list[Path]:
    """Removes temp files left in `folder` by runs that no longer exist."""
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP_RE.match(entry.name)
        if m and not _pid_alive(int(m.group(1))):
            try:
                entry.unlink()
                removed.append(entry)
            except OSError:
                pass
    return removed


_counter = iter(range(1 << 62))


def temp_path_for(target: Path) -> Path:
    # The real extension stays last so muxers and encoders pick the format.
    return target.with_name(f".{target.stem}{TEMP_MARK}-{os.getpid()}-{next(_counter)}{target.suffix}")


def describe_os_error(exc: OSError, path: Path) -> str:
    if exc.errno == errno.ENOSPC or exc.errno == errno.EFBIG:
        return f"{path.name}: the disk is full (or the file is too large) while writing; nothing was kept."
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{path.parent}: the folder is not writable."
    if exc.errno == errno.ENOENT:
        return f"{path.parent}: the output folder does not exist."
    return f"{path.name}: cannot write ({exc.strerror or exc})."


def check_output_folder(target: Path) -> None:
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"{folder}: the output folder does not exist.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{folder}: the folder is not writable.")


@contextmanager
def replaced_on_success(target: Path) -> Iterator[Path]:
    """Yields a fresh temp path beside `target` (hidden, marked with this
    process's id); renames it onto `target` when the block succeeds, removes
    it when the block raises, and lets the error go on unchanged."""
    tmp = temp_path_for(target)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        _remove_quietly(tmp)
        raise


@contextmanager
def atomic_output(target: Path, *, overwrite: bool = True) -> Iterator[Path]:
    """Yields a temp path to write; renames it to `target` if the block succeeds.

    The temp file is removed if the block raises (cancel included), so a
    failed run never leaves a half-written output under the real name.
    """
    check_output_folder(target)
    if target.exists() and not overwrite:
        raise OutputError(f"{target.name} already exists (use --overwrite to replace it).")
    clean_stale_partials(target.parent)
    try:
        with replaced_on_success(target) as tmp:
            yield tmp
    except OSError as exc:
        raise OutputError(describe_os_error(exc, target)) from None


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def write_bytes_atomic(target: Path, data: bytes, *, overwrite: bool = True) -> None:
    with atomic_output(target, overwrite=overwrite) as tmp:
        tmp.write_bytes(data)


_hashes: dict[tuple[str, int, int], str] = {}


def file_sha256(path: Path) -> str:
    """The file's SHA-256 (hex), remembered per path, size and modification
    time, so naming the model in every output costs one read per process."""
    st = Path(path).stat()
    key = (str(Path(path).resolve()), st.st_size, st.st_mtime_ns)
    if key not in _hashes:
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
        _hashes[key] = digest.hexdigest()
    return _hashes[key]
