"""Detecting in a window of the frame: a crop (a tile, a box around one
person) or a frame padded beyond its edges (padded to square), enlarged when
small, with the landmarks mapped back to full-frame normalised coordinates.

Tiles (app/pose/tiles.py), the stronger search of stills and shot starts
(app/pose/search.py) and the quality gate's re-check (app/pose/gate.py) all
detect this way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.base.types import X, Y, Z

ResizeFn = Callable[[np.ndarray, int, int], np.ndarray]  # (rgb, width, height) -> rgb

# A window whose short side is below this is upscaled to it before detection:
# the landmark model's input is 256x256, and giving MediaPipe a window at least
# that size means the person crop it cuts out is not upsampled from a few
# dozen pixels by its own (nearest-ish) crop resampler.
TILE_MIN_SIDE = 256


@dataclass(frozen=True)
class Tile:
    """A window of the frame in pixels: [x0, x1) x [y0, y1). It may reach
    beyond the frame (negative x0, x1 past the width): that part is black."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def inside(self, width: int, height: int) -> bool:
        """Whether the window lies within a width x height frame."""
        return self.x0 >= 0 and self.y0 >= 0 and self.x1 <= width and self.y1 <= height


def square_window(width: int, height: int) -> Tile:
    """The frame padded to a square, centred: MediaPipe's detector sees a
    person at the same scale as in the full frame, but with no aspect change."""
    side = max(width, height)
    x0, y0 = -((side - width) // 2), -((side - height) // 2)
    return Tile(x0, y0, x0 + side, y0 + side)


def cut(rgb: np.ndarray, tile: Tile) -> np.ndarray:
    """The window's pixels (black beyond the frame), contiguous."""
    h, w = rgb.shape[:2]
    if tile.inside(w, h):
        return np.ascontiguousarray(rgb[tile.y0:tile.y1, tile.x0:tile.x1])
    out = np.zeros((tile.height, tile.width, 3), np.uint8)
    sx0, sy0 = max(0, tile.x0), max(0, tile.y0)
    sx1, sy1 = min(w, tile.x1), min(h, tile.y1)
    if sx1 > sx0 and sy1 > sy0:
        out[sy0 - tile.y0:sy1 - tile.y0, sx0 - tile.x0:sx1 - tile.x0] = rgb[sy0:sy1, sx0:sx1]
    return out


def enlarge_nearest(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """A plain nearest-neighbour enlargement, for callers with no scaler
    (the engine passes FFmpeg's, which is smoother)."""
    h, w = rgb.shape[:2]
    ys = np.minimum(h - 1, (np.arange(height) * h / height).astype(np.intp))
    xs = np.minimum(w - 1, (np.arange(width) * w / width).astype(np.intp))
    return np.ascontiguousarray(rgb[ys][:, xs])


def to_frame(landmarks: np.ndarray, tile: Tile, width: int, height: int) -> np.ndarray:
    """Normalised window coordinates -> normalised frame coordinates
    (upscaling does not change them). z is scaled like x."""
    lm = landmarks.copy()
    lm[..., X] = (tile.x0 + lm[..., X] * tile.width) / width
    lm[..., Y] = (tile.y0 + lm[..., Y] * tile.height) / height
    lm[..., Z] = lm[..., Z] * tile.width / width
    return lm


def detect_in(estimator, rgb: np.ndarray, tile: Tile, resize: ResizeFn | None,
              timestamp_ms: int | None = None) -> np.ndarray:
    """Landmarks (people, 33, 5) found in one window, in frame coordinates."""
    height, width = rgb.shape[:2]
    crop = cut(rgb, tile)
    up = TILE_MIN_SIDE / max(1, min(tile.width, tile.height))
    if up > 1.0:
        crop = (resize or enlarge_nearest)(crop, round(tile.width * up), round(tile.height * up))
    lm = estimator.detect(np.ascontiguousarray(crop), timestamp_ms)
    if lm.shape[0] == 0:
        return lm
    return to_frame(lm, tile, width, height)
