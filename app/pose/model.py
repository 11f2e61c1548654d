"""Finding the pose model: one place decides which file is used.

Order: an explicit path (--model or a GUI setting), the POSECLOAK_MODEL
environment variable, a model bundled beside a frozen app or in the source
tree's resources/models/, the user cache; else a one-time download of the
official bundle into the cache (never when offline). The download is the
app's only network use; it goes out through the user's own proxy settings.
The download comes from a versioned URL and its SHA-256 is recorded beside
it; outputs name the model by its SHA-256 (`file_sha256`).
"""

from __future__ import annotations

import hashlib
import os
import sys
import zipfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import BinaryIO

from app.base.errors import ModelError
from app.base.files import file_sha256 as file_sha256  # its home; importable here as before
from app.base.files import replaced_on_success

VARIANTS = ("lite", "full", "heavy")
DEFAULT_VARIANT = "full"
ENV_MODEL = "POSECLOAK_MODEL"
ENV_OFFLINE = "POSECLOAK_OFFLINE"
# A versioned URL, never `latest`: a lab's results must not change because
# the upstream file did. The download's SHA-256 is recorded beside it.
MODEL_VERSION = "1"
_URL = ("https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
        "pose_landmarker_{v}/float16/" + MODEL_VERSION + "/pose_landmarker_{v}.task")
HASH_SUFFIX = ".sha256"  # pose_landmarker_full.task.sha256, in `sha256sum` format

ProgressFn = Callable[[int, int], None]  # (bytes done, bytes total or 0)


class ModelOffline(ModelError):
    """No model on this computer, and offline mode forbids the download."""


class ModelDownloadFailed(ModelError):
    """The download failed; `reason` says why in plain words ("no internet
    connection"), for messages that must not show an errno."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def download_failure_reason(exc: OSError) -> str:
    """Why a download failed, in words for people (no errno, no jargon)."""
    import socket
    import urllib.error
    if isinstance(exc, urllib.error.HTTPError):
        return f"the download server answered with error {exc.code}"
    cause = getattr(exc, "reason", None) or exc
    if isinstance(cause, socket.gaierror):
        return "no internet connection"
    if isinstance(cause, TimeoutError):
        return "the connection timed out"
    if isinstance(cause, ConnectionRefusedError):
        return "the download server could not be reached"
    return "the connection failed"


def model_filename(variant: str) -> str:
    if variant not in VARIANTS:
        raise ModelError(f"unknown model variant '{variant}' (choose lite, full or heavy).")
    return f"pose_landmarker_{variant}.task"


def offline_from_env() -> bool:
    return os.environ.get(ENV_OFFLINE, "").strip().lower() in ("1", "true", "yes", "on")


def cache_dir() -> Path:
    from platformdirs import user_cache_dir
    return Path(user_cache_dir("posecloak", appauthor=False)) / "models"


def bundled_dirs() -> list[Path]:
    """Folders that may hold a pose model shipped with the app."""
    return resource_dirs()


def resource_dirs() -> list[Path]:
    """The folders of the models shipped with the app (the pose model, when
    bundled, and the person detector, always): beside a frozen app, or the
    source tree's resources/models/."""
    dirs = []
    meipass = getattr(sys, "_MEIPASS", None)
    if meipass:
        dirs.append(Path(meipass) / "resources" / "models")
    if getattr(sys, "frozen", False):
        dirs.append(Path(sys.executable).resolve().parent / "resources" / "models")
    dirs.append(Path(__file__).resolve().parents[2] / "resources" / "models")
    return dirs


def damaged_model_advice(path: Path) -> str:
    """What to do about a bad model file, by where it came from."""
    try:
        cached = Path(path).resolve().is_relative_to(cache_dir().resolve())
    except OSError:
        cached = False
    if cached:
        return f"delete {path} and run again to download a fresh copy"
    return f"replace it with a good pose_landmarker .task file (--model or {ENV_MODEL})"


def check_model_file(path: Path) -> Path:
    """Cheap structural check: a .task bundle is a zip of TFLite models."""
    if not path.is_file():
        raise ModelError(f"pose model not found at {path}; set {ENV_MODEL} or --model to a "
                         "pose_landmarker_*.task file.")
    try:
        with zipfile.ZipFile(path) as bundle:
            names = bundle.namelist()
    except (zipfile.BadZipFile, OSError):
        raise ModelError(f"the pose model {path.name} is damaged (not a MediaPipe .task bundle); "
                         f"{damaged_model_advice(path)}.") from None
    if not any(n.endswith(".tflite") for n in names):
        raise ModelError(f"{path.name} is not a PoseLandmarker bundle (no .tflite inside).")
    return path


def hash_record_path(model: Path) -> Path:
    return model.with_name(model.name + HASH_SUFFIX)


def recorded_sha256(model: Path) -> str | None:
    """The SHA-256 recorded when `model` was downloaded, or None."""
    try:
        text = hash_record_path(model).read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        return None
    return text[0].lower() if text else None


def check_recorded_hash(model: Path) -> Path:
    """Refuses a downloaded model that changed since its download."""
    recorded = recorded_sha256(model)
    if recorded is not None and recorded != file_sha256(model):
        raise ModelError(f"the pose model {model.name} changed since it was downloaded (its "
                         f"SHA-256 differs from {hash_record_path(model).name}); "
                         f"{damaged_model_advice(model)}.")
    return model


def find_model(explicit: Path | str | None = None, variant: str = DEFAULT_VARIANT) -> Path | None:
    """The model to use without downloading, or None if there is none."""
    if explicit:
        return check_model_file(Path(explicit).expanduser())
    env = os.environ.get(ENV_MODEL)
    if env:
        return check_model_file(Path(env).expanduser())
    name = model_filename(variant)
    for folder in [*bundled_dirs(), cache_dir()]:
        candidate = folder / name
        if candidate.is_file():
            return check_recorded_hash(check_model_file(candidate))
    return None


def resolve_model(explicit: Path | str | None = None, variant: str = DEFAULT_VARIANT, *,
                  offline: bool | None = None, progress: ProgressFn | None = None) -> Path:
    """The model path, downloading the official bundle once if none is found."""
    found = find_model(explicit, variant)
    if found is not None:
        return found
    if offline is None:
        offline = offline_from_env()
    if offline:
        raise ModelOffline(f"no pose model found and offline mode forbids downloading; set "
                         f"{ENV_MODEL} to a {model_filename(variant)} file.")
    return download_model(variant, progress=progress)


def download_model(variant: str = DEFAULT_VARIANT, *, progress: ProgressFn | None = None,
                   url: str | None = None, dest_dir: Path | None = None) -> Path:
    """Downloads the official bundle into the cache atomically and checks it."""
    dest_dir = dest_dir or cache_dir()
    target = dest_dir / model_filename(variant)
    url = url or _URL.format(v=variant)
    with ExitStack() as stack:
        try:
            dest_dir.mkdir(parents=True, exist_ok=True)
            tmp = stack.enter_context(replaced_on_success(target))
            out = stack.enter_context(open(tmp, "xb"))
        except OSError as exc:
            raise ModelError(f"cannot write the model cache at {dest_dir} ({exc.strerror}).") from None
        _download_into(out, tmp, target, url, progress)
    return target


def _download_into(out: BinaryIO, tmp: Path, target: Path, url: str,
                   progress: ProgressFn | None) -> None:
    """Fills `out` (the open file `tmp`) from `url` and checks it; `tmp`
    replaces `target` once the caller's block ends without an error."""
    try:
        digest = hashlib.sha256()
        # The user's own proxy (or none): the process's proxy variables are
        # blocked for native code (app/base/netguard.py).
        from app.base.netguard import user_opener
        with user_opener().open(url, timeout=60) as resp:
            total = int(resp.headers.get("Content-Length") or 0)
            done = 0
            while chunk := resp.read(1 << 16):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
        out.close()
        check_model_file(tmp)
        # The hash first: a model in the cache always has its record.
        write_hash_record(target, digest.hexdigest())
    except ModelError:
        raise ModelDownloadFailed("the downloaded pose model is damaged; check the connection "
                                  "and try again.", "what arrived was not the model") from None
    except OSError as exc:
        reason = download_failure_reason(exc)
        raise ModelDownloadFailed(f"could not download the pose model ({reason}); connect to "
                                  f"the internet once, or set {ENV_MODEL} to a "
                                  "pose_landmarker .task file.", reason) from None


def write_hash_record(model: Path, sha256: str) -> None:
    """Records `model`'s SHA-256 beside it (atomically), as `sha256sum` prints it."""
    with replaced_on_success(hash_record_path(model)) as tmp:
        tmp.write_text(f"{sha256}  {model.name}\n", encoding="ascii")
