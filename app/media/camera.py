"""Cameras as live sources, through FFmpeg's capture devices (PyAV): V4L2 on
Linux, DirectShow on Windows, AVFoundation on macOS. Qt-free, and no OpenCV,
so the app bundle carries one FFmpeg only.

A `CameraSource` reads on a private thread that owns the device (opens it,
reads, closes it) and keeps only the newest picture: `read` never returns a
backlog, and a slow consumer never stalls the device's buffers. The worker
thread that owns the source calls open/read/close; `interrupt` may come from
any thread.
"""

from __future__ import annotations

import glob
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from app.base.types import Frame
from app.media.display import DisplayFrames, Geometry, sample_aspect
from app.media.sources import SourceInfo, SourceUnavailable, Waker

NO_CAMERA_MESSAGE = ("No camera found. Connect a camera (and allow the app to use it), "
                     "or choose a video file as the live source.")

OPEN_TIMEOUT_S = 8.0  # a camera may take seconds to power up and send a picture
READ_TIMEOUT_S = 3.0  # no picture for this long: the camera is treated as gone


@dataclass(frozen=True)
class CameraDevice:
    """A capture device as FFmpeg opens it: `url` in input format `fmt`."""

    index: int
    label: str
    url: str
    fmt: str
    # Alternative option sets, tried in order until one opens (AVFoundation
    # refuses rates and pixel formats a camera does not offer).
    option_sets: tuple[tuple[tuple[str, str], ...], ...] = ((),)
    fps_hint: float = 30.0


def platform_input_format() -> str:
    if sys.platform.startswith("win"):
        return "dshow"
    if sys.platform == "darwin":
        return "avfoundation"
    return "v4l2"


def _device_for(index: int, name: str, description: str, fmt: str) -> CameraDevice:
    label = description or (f"Camera {name.removeprefix('/dev/video')}" if fmt == "v4l2" else name)
    if fmt == "dshow":
        return CameraDevice(index, label, f"video={name}", fmt,
                            option_sets=((("rtbufsize", "64M"),),))
    if fmt == "avfoundation":
        rates = (("framerate", "30"),), (("framerate", "15"),), \
            (("framerate", "30"), ("pixel_format", "nv12")), \
            (("framerate", "30"), ("pixel_format", "uyvy422"))
        return CameraDevice(index, label, f"{name}:none", fmt, option_sets=rates)
    return CameraDevice(index, label, name, fmt)


def _candidates(fmt: str) -> list[tuple[str, str]]:
    """(name, description) of the devices FFmpeg reports for `fmt`."""
    import av
    found: list[tuple[str, str]] = []
    try:
        for dev in av.enumerate_input_devices(fmt):
            if dev.media_types and "video" not in dev.media_types:
                continue
            if "capture screen" in (dev.description or "").lower():
                continue  # AVFoundation lists screens as video devices too
            found.append((dev.name, dev.description or ""))
    except Exception:  # noqa: BLE001 - OS device listing must never break the app; fall back below
        found = []
    if not found and fmt == "v4l2":
        nodes = sorted((int(m.group(1)), p) for p in glob.glob("/dev/video*")
                       if (m := re.fullmatch(r"/dev/video(\d+)", p)))
        found = [(p, "") for _, p in nodes]
    return found


def list_cameras(probe: bool = True) -> list[CameraDevice]:
    """The cameras FFmpeg can see. With `probe`, each is opened and must send
    a picture (V4L2 lists metadata nodes and busy devices too). Slow: call
    from a worker thread."""
    fmt = platform_input_format()
    devices = []
    for name, description in _candidates(fmt):
        device = _device_for(len(devices), name, description, fmt)
        if probe and not _sends_pictures(device):
            continue
        devices.append(device)
    return devices


def _sends_pictures(device: CameraDevice) -> bool:
    source = CameraSource(device, open_timeout_s=4.0)
    try:
        source.open()
        return True
    except SourceUnavailable:
        return False
    finally:
        source.close()


@dataclass
class _Latest:
    """The newest picture from the reader thread, or why reading stopped."""

    frame: object | None = None  # av.VideoFrame
    count: int = 0
    error: str | None = None
    lock: threading.Condition = field(default_factory=threading.Condition)


class CameraSource:
    """A camera as a live source. A camera that stops sending pictures makes
    `read` raise SourceUnavailable; later reads reopen it, so frames come
    again when it is back."""

    def __init__(self, device: CameraDevice, *, open_timeout_s: float = OPEN_TIMEOUT_S,
                 read_timeout_s: float = READ_TIMEOUT_S) -> None:
        self.device = device
        self.name = device.label
        self.frames_seen = 0
        self._open_timeout = open_timeout_s
        self._read_timeout = read_timeout_s
        self._latest = _Latest()
        self._taken = 0
        self._reader: threading.Thread | None = None
        self._stop = threading.Event()
        self._waker = Waker()
        self._started = 0.0
        self._index = 0
        self._woken = False
        self._rate = 0.0  # the device's frame rate, set by the reader thread
        self._sar = Fraction(1)  # the device's pixel aspect, set by the reader thread
        self._display: DisplayFrames | None = None  # worker thread: non-square pixels only

    # worker thread --------------------------------------------------------------
    def open(self) -> SourceInfo:
        """Starts the device and waits for its first picture (interruptible)."""
        self._start_reader()
        deadline = time.monotonic() + self._open_timeout
        with self._latest.lock:
            while self._latest.count == 0 and self._latest.error is None:
                left = deadline - time.monotonic()
                if left <= 0 or self._stop.is_set():
                    break
                self._latest.lock.wait(min(left, 0.1))
            error, frame = self._latest.error, self._latest.frame
        if frame is None:
            self.close()
            raise SourceUnavailable(error or f"{self.name} opened but sends no picture.")
        self._started = time.monotonic()
        rate = self._rate or self.device.fps_hint
        width, height = Geometry(frame.width, frame.height, self._sar).display_size
        return SourceInfo(self.name, width, height, rate)

    def read(self, timeout: float) -> Frame | None:
        """The newest picture not yet returned, or None if none came within
        `timeout`; SourceUnavailable when the camera stopped sending."""
        if self._reader is None:  # after an outage: try the device again
            if self._waker.wait(timeout):
                return None
            self._start_reader()
        deadline = time.monotonic() + timeout
        with self._latest.lock:
            while self._latest.count == self._taken and self._latest.error is None:
                left = deadline - time.monotonic()
                if left <= 0 or self._woken:
                    self._woken = False
                    return None
                self._latest.lock.wait(left)
            error, frame, count = self._latest.error, self._latest.frame, self._latest.count
        if count == self._taken:
            self._stop_reader()
            raise SourceUnavailable(error or f"{self.name} stopped sending pictures.")
        self._taken = count
        self.frames_seen = count
        rgb = np.ascontiguousarray(self._picture(frame))
        self._index += 1
        return Frame(self._index - 1, time.monotonic() - self._started, rgb)

    def close(self) -> None:
        self._stop_reader()

    def _picture(self, frame) -> np.ndarray:
        """The picture in square pixels (an analogue capture card's 720x576
        at 16:15 is shown 768x576). Only the newest picture is converted, so
        there is no frame sequence to deinterlace: interlaced capture is
        shown as the device sends it."""
        if self._sar == 1:
            return frame.to_ndarray(format="rgb24")
        geometry = Geometry(frame.width, frame.height, self._sar)
        if self._display is None or self._display.geometry != geometry:
            self._display = DisplayFrames(geometry)
        return self._display.push(frame, 0)[0][1]

    # any thread -----------------------------------------------------------------
    def interrupt(self) -> None:
        self._waker.wake()
        with self._latest.lock:
            self._woken = True
            self._latest.lock.notify_all()

    # reader thread ---------------------------------------------------------------
    def _start_reader(self) -> None:
        self._stop = threading.Event()
        self._latest = _Latest()
        self._taken = 0
        self._reader = threading.Thread(target=self._read_device, args=(self._stop, self._latest),
                                        name=f"camera-{self.device.index}", daemon=True)
        self._reader.start()

    def _stop_reader(self) -> None:
        reader, self._reader = self._reader, None
        self._stop.set()
        if reader is not None:
            reader.join(timeout=self._read_timeout + 2.0)

    def _read_device(self, stop: threading.Event, latest: _Latest) -> None:
        import av
        container = None
        error: str | None = None
        try:
            container = self._open_container(av, stop)
            stream = container.streams.video[0]
            if stream.average_rate:
                self._rate = float(stream.average_rate)
            self._sar = sample_aspect(stream.sample_aspect_ratio)
            for frame in container.decode(stream):
                if stop.is_set():
                    return
                with latest.lock:
                    latest.frame = frame
                    latest.count += 1
                    latest.lock.notify_all()
            error = f"{self.name} stopped sending pictures."
        except SourceUnavailable as exc:
            error = str(exc)
        except Exception as exc:  # noqa: BLE001 - any driver failure ends this reader, reported to read()
            if not stop.is_set():
                error = f"{self.name} stopped sending pictures ({_reason(exc)})."
        finally:
            if container is not None:
                container.close()
            with latest.lock:
                latest.error = error or f"{self.name} was closed."
                latest.lock.notify_all()

    def _open_container(self, av, stop: threading.Event):
        last = "no picture"
        for options in self.device.option_sets:
            if stop.is_set():
                break
            try:
                return av.open(self.device.url, format=self.device.fmt, options=dict(options),
                               timeout=(self._open_timeout, self._read_timeout))
            except (av.FFmpegError, OSError, ValueError) as exc:
                last = _reason(exc)
        raise SourceUnavailable(f"{self.name} cannot be opened ({last}): is it unplugged, "
                                "or used by another program?")


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.strip().rstrip(".") or type(exc).__name__
