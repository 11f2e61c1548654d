"""Live frame sources for the preview: a video file played at its own pace
(tests bring a stand-in camera of their own); cameras are in app.media.camera. Qt-free.

A source is configured on any thread, then opened, read and closed by the one
worker thread that uses it (cameras and decoders are not thread-safe). Only
`interrupt`, `set_paused` and `seek` may be called from other threads.

`read(timeout)` returns the newest Frame, or None when no new frame came
within `timeout` (paused, or waiting for the next frame's time); it raises
SourceEnded at the end of a file that does not loop, and SourceUnavailable
while a device delivers nothing (unplugged camera): the caller may keep
reading, and frames come again when the device is back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from app.base.errors import PoseCloakError
from app.base.types import Frame


class SourceUnavailable(PoseCloakError):
    """The source delivers no frames for now (it may come back)."""


class SourceEnded(PoseCloakError):
    """A file source reached its end and does not loop."""


@dataclass(frozen=True)
class SourceInfo:
    """What an opened source delivers."""

    name: str
    width: int
    height: int
    fps: float
    seekable: bool = False
    duration_s: float = 0.0


class FrameSource(Protocol):
    name: str
    frames_seen: int  # frames the device or file delivered (capture rate)

    def open(self) -> SourceInfo: ...

    def read(self, timeout: float) -> Frame | None: ...

    def close(self) -> None: ...

    def interrupt(self) -> None: ...


class Waker:
    """An interruptible wait shared by the sources' read()."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def wait(self, seconds: float) -> bool:
        """Sleeps up to `seconds`; True if woken early by `wake`."""
        if seconds <= 0:
            return False
        woke = self._event.wait(seconds)
        self._event.clear()
        return woke

    def wake(self) -> None:
        self._event.set()


# --------------------------------------------------------------------------
# paced sources: files and synthetic pictures


class PacedSource:
    """Plays timed frames at their own speed against the wall clock.

    Frames whose time has already passed are dropped when a newer one is due
    too (the preview shows the newest); a pause freezes the clock; `seek`
    restarts the frames at a time and shows that frame even while paused.
    """

    def __init__(self, name: str, loop: bool) -> None:
        self.name = name
        self.loop = loop
        self.frames_seen = 0  # frames taken from the media, shown or dropped
        self.dropped = 0
        self._waker = Waker()
        self._lock = threading.Lock()
        self._paused = False
        self._seek_to: float | None = None
        self._frames: Iterator[Frame] | None = None
        self._ahead: Frame | None = None  # decoded, not yet due
        self._origin = 0.0  # wall time at which media time 0 is due
        self._paused_at: float | None = None

    # subclass hooks -------------------------------------------------------
    def _open(self) -> SourceInfo:
        raise NotImplementedError

    def _iterate(self, start_s: float) -> Iterator[Frame]:
        raise NotImplementedError

    def _check_available(self, frame: Frame) -> None:
        """Raises SourceUnavailable where a subclass simulates an outage."""

    # any thread -------------------------------------------------------------
    @property
    def paused(self) -> bool:
        return self._paused

    def set_paused(self, paused: bool) -> None:
        with self._lock:
            self._paused = paused
        self._waker.wake()

    def seek(self, time_s: float) -> None:
        with self._lock:
            self._seek_to = max(0.0, time_s)
        self._waker.wake()

    def interrupt(self) -> None:
        self._waker.wake()

    # worker thread ------------------------------------------------------------
    def open(self) -> SourceInfo:
        self.info = self._open()
        self._restart(0.0)
        return self.info

    def close(self) -> None:
        self._close_frames()

    def _restart(self, start_s: float) -> None:
        self._close_frames()
        self._frames = self._iterate(start_s)
        self._origin = time.monotonic() - start_s
        if self._paused_at is not None:
            self._paused_at = time.monotonic()

    def _close_frames(self) -> None:
        frames, self._frames, self._ahead = self._frames, None, None
        close = getattr(frames, "close", None)
        if close is not None:
            close()

    def _pull(self) -> Frame | None:
        frame = next(self._frames, None) if self._frames is not None else None
        if frame is not None:
            self.frames_seen += 1
        return frame

    def _peek(self) -> Frame | None:
        if self._ahead is None:
            self._ahead = self._pull()
        return self._ahead

    def _take(self) -> Frame:
        frame = self._peek()
        self._ahead = None
        if frame is None:
            if not self.loop:
                raise SourceEnded(f"{self.name}: end of file.")
            self._restart(0.0)
            frame = self._pull()
            if frame is None:
                raise SourceEnded(f"{self.name}: no frame could be decoded.")
        return frame

    def _apply_requests(self) -> Frame | None:
        """Applies pause and seek requests; returns the frame to show at once
        after a seek."""
        with self._lock:
            seek_to, self._seek_to = self._seek_to, None
            paused = self._paused
        now = time.monotonic()
        if paused and self._paused_at is None:
            self._paused_at = now
        elif not paused and self._paused_at is not None:
            self._origin += now - self._paused_at
            self._paused_at = None
        if seek_to is None:
            return None
        self._restart(seek_to)
        frame = self._take()
        self._origin = time.monotonic() - frame.time_s
        return frame

    def read(self, timeout: float) -> Frame | None:
        deadline = time.monotonic() + timeout
        while True:
            shown = self._apply_requests()
            if shown is not None:
                return self._emit(shown)
            now = time.monotonic()
            if now >= deadline:
                return None
            if self._paused_at is not None:
                self._waker.wait(deadline - now)
                continue
            frame = self._peek()
            if frame is None:
                frame = self._take()  # end of the file: loop or SourceEnded
                self._ahead = frame
            due = self._origin + frame.time_s
            if due > now:
                self._waker.wait(min(due, deadline) - now)
                continue
            self._ahead = None
            # Late: skip to the newest frame that is already due.
            while (following := self._peek()) is not None and self._origin + following.time_s <= now:
                self.dropped += 1
                frame, self._ahead = following, None
            return self._emit(frame)

    def _emit(self, frame: Frame) -> Frame:
        self._check_available(frame)
        return frame


class FileSource(PacedSource):
    """A video file played as a live source at its own speed; loops by default."""

    def __init__(self, path: Path, loop: bool = True) -> None:
        super().__init__(Path(path).name, loop)
        self.path = Path(path)
        self._info = None

    def _open(self) -> SourceInfo:
        from app.media.video import probe
        self._info = probe(self.path)
        return SourceInfo(self.name, self._info.width, self._info.height,
                          float(self._info.fps or 30), seekable=True,
                          duration_s=self._info.duration_s)

    def _iterate(self, start_s: float) -> Iterator[Frame]:
        from app.media.video import VideoReader
        reader = VideoReader(self.path, self._info)
        start_pts = None
        if start_s > 0 and self._info.time_base:
            # Seconds of presentation time, as frames' time_s (the start kept).
            start_pts = int(round(start_s / self._info.time_base))
        return reader.frames(start_pts)
