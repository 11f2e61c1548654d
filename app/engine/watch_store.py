"""What `posecloak watch` keeps per camera, in DIR/CAMERA/: rolling
skeleton-only segments (CAMERA_YYYYmmdd-HHMMSS.mp4, keypoints beside them)
and the camera's events log (events.jsonl and/or events.csv). Qt-free.

Nothing is ever half-written under a real name: segments are written under
the temp-file convention of app/media/outputs.py and renamed when finished;
a run killed with kill -9 leaves temp files, whose recoverable frames
`repair` makes a finished segment at the next start (app/engine/
watch_repair.py), removing the rest; event logs are appended a whole line
at a time and flushed, and `repair` cuts a last line a kill left without
its newline.
Old segments go when the folder's segments exceed a size or an age.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from app.base.errors import PoseCloakError
from app.engine.watch_repair import repair_segments
from app.media.outputs import clean_stale_partials

EVENT_FIELDS = ("time", "camera", "kind", "person_id", "confidence", "detail")
LOG_FORMATS = ("jsonl", "csv")
_SEGMENT = re.compile(r"^(?P<camera>.+)_(?P<stamp>\d{8}-\d{6})(?:-\d+)?(?P<rest>(?:_[a-z]+)?\.[a-z0-9]+)$")


def camera_folder_name(name: str) -> str:
    """A folder and file name for a camera's name (no path separators, no
    credentials: names come from `watch_sources.camera_name`)."""
    clean = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")
    return clean[:64] or "camera"


def local_time(epoch: float | None = None) -> str:
    """ISO 8601 local time with its UTC offset, to the second."""
    t = time.time() if epoch is None else epoch
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(t))


@dataclass(frozen=True)
class Retention:
    """How long segments are kept: the oldest go past either limit (0: none)."""

    max_bytes: int = 0
    max_age_s: float = 0.0

    def __post_init__(self) -> None:
        if self.max_bytes < 0 or self.max_age_s < 0:
            raise PoseCloakError("the size and age limits of the recordings must be 0 (none) "
                                 "or more.")


class CameraStore:
    """One camera's folder. Methods may be called from any thread."""

    def __init__(self, root: Path, camera: str, log_formats: tuple[str, ...] = ("jsonl",),
                 retention: Retention = Retention()) -> None:
        for fmt in log_formats:
            if fmt not in LOG_FORMATS:
                raise PoseCloakError(f"events format {fmt!r}: use jsonl or csv.")
        self.camera = camera
        self.folder = Path(root) / camera_folder_name(camera)
        self.retention = retention
        self._formats = log_formats
        self._lock = threading.Lock()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PoseCloakError(f"{self.folder}: cannot create the folder "
                                 f"({exc.strerror}).") from None
        self.repaired = self.repair()

    # start-up -------------------------------------------------------------------
    def repair(self) -> list[str]:
        """Repairs or removes what a killed run left half-written; says what
        it did (a repaired segment is logged as an event too)."""
        done = []
        for fmt in self._formats:
            path = self.log_path(fmt)
            if _cut_partial_line(path):
                done.append(f"cut an unfinished last line of {path.name}")
        if "csv" in self._formats and not self.log_path("csv").exists():
            self._append(self.log_path("csv"), _csv_line(EVENT_FIELDS))
        for repair in repair_segments(self.folder, _SEGMENT.match):
            self.log("segment_repaired", detail=str(repair))
            done.append(str(repair))
        return done + [f"removed {p.name}" for p in clean_stale_partials(self.folder)]

    # segments ---------------------------------------------------------------------
    def segment_path(self, epoch: float | None = None) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(time.time() if epoch is None
                                                              else epoch))
        base = f"{camera_folder_name(self.camera)}_{stamp}"
        path, n = self.folder / f"{base}.mp4", 1
        while path.exists():  # a restart within the same second
            path, n = self.folder / f"{base}-{n}.mp4", n + 1
        return path

    def segments(self) -> list[Path]:
        """Finished segment videos, oldest first."""
        return sorted(p for p in self.folder.glob("*.mp4") if _SEGMENT.match(p.name))

    def companions(self, video: Path) -> list[Path]:
        """The segment and the files written beside it (keypoints, events)."""
        return [video, *(p for p in self.folder.glob(f"{video.stem}_*") if p.is_file()),
                *(p for p in (video.with_suffix(".json"), video.with_suffix(".csv"))
                  if p.exists())]

    def prune(self, now: float | None = None) -> list[Path]:
        """Deletes the oldest segments past the size or age limit (never the
        newest); returns what it deleted."""
        limit = self.retention
        if not limit.max_bytes and not limit.max_age_s:
            return []
        now = time.time() if now is None else now
        groups = [(video, self.companions(video)) for video in self.segments()]
        sizes = [sum(_size(p) for p in files) for _, files in groups]
        total = sum(sizes)
        deleted: list[Path] = []
        for (video, files), size in zip(groups[:-1], sizes[:-1], strict=True):
            too_big = limit.max_bytes and total > limit.max_bytes
            too_old = limit.max_age_s and now - _mtime(video) > limit.max_age_s
            if not (too_big or too_old):
                break
            for path in files:
                try:
                    path.unlink()
                    deleted.append(path)
                except OSError:
                    pass
            total -= size
        return deleted

    def used_bytes(self) -> int:
        return sum(sum(_size(p) for p in self.companions(v)) for v in self.segments())

    # events -------------------------------------------------------------------------
    def log_path(self, fmt: str) -> Path:
        return self.folder / f"events.{fmt}"

    def log(self, kind: str, *, person_id: int | None = None, confidence: float | None = None,
            detail: str = "", epoch: float | None = None) -> dict:
        """Appends one event to the camera's logs (whole lines, flushed)."""
        record = {"time": local_time(epoch), "camera": self.camera, "kind": kind,
                  "person_id": person_id,
                  "confidence": None if confidence is None else round(confidence, 2),
                  "detail": detail}
        with self._lock:
            for fmt in self._formats:
                line = json.dumps(record) + "\n" if fmt == "jsonl" else _csv_line(
                    ["" if record[k] is None else record[k] for k in EVENT_FIELDS])
                self._append(self.log_path(fmt), line)
        return record

    @staticmethod
    def _append(path: Path, line: str) -> None:
        # One write of a whole line, O_APPEND: a kill leaves at most one cut line.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)


def _csv_line(values) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(values)
    return buf.getvalue()


def _cut_partial_line(path: Path) -> bool:
    """Cuts the file back to its last newline; True if there was more."""
    try:
        with open(path, "rb+") as f:
            data = f.read()
            if not data or data.endswith(b"\n"):
                return False
            f.truncate(data.rfind(b"\n") + 1)
            return True
    except FileNotFoundError:
        return False


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
