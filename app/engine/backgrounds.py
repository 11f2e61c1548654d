"""Backgrounds the skeleton is composited on: a colour, an image or a video.

A background video of another size is fitted (fit/fill/stretch); one of
another frame rate or length is synced by time, not frame index, and loops
or holds its last frame past its end.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import numpy as np

from app.base.errors import BackgroundError, PoseCloakError
from app.base.settings import BackgroundSpec, FitMode
from app.base.style import RGB
from app.base.types import Frame


class Background(Protocol):
    def frame_at(self, time_s: float) -> np.ndarray:
        """The background picture at `time_s`, output-sized RGB (read-only)."""

    def close(self) -> None: ...


def fit_image(image: np.ndarray, width: int, height: int, mode: FitMode,
              fill: RGB = (0, 0, 0)) -> np.ndarray:
    """Fits an RGB image into width x height by the given mode."""
    h, w = image.shape[:2]
    if (w, h) == (width, height):
        return image
    from app.media.images import resize_rgb
    if mode is FitMode.STRETCH:
        return resize_rgb(image, width, height)
    scale = (min if mode is FitMode.FIT else max)(width / w, height / h)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    resized = resize_rgb(image, nw, nh)
    if mode is FitMode.FILL:
        x0, y0 = (nw - width) // 2, (nh - height) // 2
        return np.ascontiguousarray(resized[y0:y0 + height, x0:x0 + width])
    out = np.empty((height, width, 3), np.uint8)
    out[:] = fill
    x0, y0 = (width - nw) // 2, (height - nh) // 2
    out[y0:y0 + nh, x0:x0 + nw] = resized
    return out


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


class SolidBackground:
    def __init__(self, color: RGB, width: int, height: int) -> None:
        frame = np.empty((height, width, 3), np.uint8)
        frame[:] = color
        self._frame = _readonly(frame)

    def frame_at(self, time_s: float) -> np.ndarray:
        return self._frame

    def close(self) -> None:
        pass


class ImageBackground:
    def __init__(self, path: Path, width: int, height: int, fit: FitMode, fill: RGB) -> None:
        from app.media.images import read_image
        try:
            image = read_image(path)
        except PoseCloakError as exc:
            raise BackgroundError(f"background {exc}") from None
        self._frame = _readonly(np.ascontiguousarray(fit_image(image, width, height, fit, fill)))

    def frame_at(self, time_s: float) -> np.ndarray:
        return self._frame

    def close(self) -> None:
        pass


class VideoBackground:
    """Decodes a background video forward in step with the output's clock.

    Output times only grow, so one decoder walks forward with one frame of
    look-ahead; looping (or a time before the current frame) restarts it.
    """

    def __init__(self, path: Path, width: int, height: int, fit: FitMode,
                 fill: RGB, loop: bool) -> None:
        from app.media.video import VideoReader, probe
        try:
            self._info = probe(path)
        except PoseCloakError as exc:
            raise BackgroundError(f"background {exc}") from None
        self._reader_cls = VideoReader
        self._size = (width, height)
        self._fit, self._fill, self._loop = fit, fill, loop
        info = self._info
        self._period = info.duration_s if info.duration_s > 0 else \
            max(1, info.frame_count) / float(info.fps or 30)
        self._frames: Iterator[Frame] = iter(())  # read from at the first frame_at
        self._current: Frame | None = None  # the Frame on screen
        self._ahead: Frame | None = None  # the next decoded Frame, not yet shown
        self._cycle = -1
        self._cached_index = -1
        self._cached: np.ndarray | None = None

    def _restart(self) -> None:
        self._frames = self._reader_cls(self._info.path, self._info).frames()
        self._current = next(self._frames, None)
        self._ahead = next(self._frames, None)
        if self._current is None:
            raise BackgroundError(f"background {self._info.path.name}: no frame could be decoded.")

    def frame_at(self, time_s: float) -> np.ndarray:
        if self._loop and self._period > 0:
            cycle, local = int(time_s // self._period), time_s % self._period
        else:
            cycle, local = 0, time_s
        if cycle != self._cycle or self._current is None or local < self._current.time_s:
            self._cycle = cycle
            self._restart()
        # Show the last frame whose time is <= local; past the end, hold it.
        while self._ahead is not None and self._ahead.time_s <= local + 1e-9:
            self._current = self._ahead
            self._ahead = next(self._frames, None)
        current = self._current
        assert current is not None  # _restart raised otherwise
        if current.index != self._cached_index or self._cached is None:
            w, h = self._size
            self._cached = _readonly(np.ascontiguousarray(
                fit_image(current.image, w, h, self._fit, self._fill)))
            self._cached_index = current.index
        return self._cached

    def close(self) -> None:
        self._frames = iter(())
        self._current = self._ahead = None


def open_background(spec: BackgroundSpec, width: int, height: int) -> Background:
    """Creates the background for an output of width x height."""
    if spec.path is None:
        return SolidBackground(spec.color, width, height)
    path = Path(spec.path)
    if not path.exists():
        raise BackgroundError(f"background {path.name}: file not found.")
    if spec.kind == "image":
        return ImageBackground(path, width, height, spec.fit, spec.color)
    return VideoBackground(path, width, height, spec.fit, spec.color, spec.loop)


def background_still(spec: BackgroundSpec, width: int, height: int) -> np.ndarray:
    """One picture of the background (its first frame for a video)."""
    bg = open_background(spec, width, height)
    try:
        return bg.frame_at(0.0)
    finally:
        bg.close()
