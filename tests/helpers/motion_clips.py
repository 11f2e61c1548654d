"""Clips of real people for the motion-analysis tests and bench/analysis.py.

- a fall: basketball1.png's standing player tipped over about his feet to
  lying in 0.5 s, then held;
- lying down slowly: the same player tipped over in 4 s, held, and stood
  up again;
- walkers: a stretch of vtest.avi where several people walk.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from tests.helpers.clips import write_clip

FPS = 15
CANVAS = (640, 480)  # width, height
FEET = (130.0, 445.0)  # where the player's feet stand on the canvas
FALL_START_S = 1.0  # the fall clip: upright until here
FALL_DURATION_S = 0.5


def player_canvas(media: Path) -> np.ndarray:
    """The standing player (basketball1.png's left 300 columns) on a 640x480
    canvas of the same room's grey, feet at FEET."""
    from app.media.images import read_image
    player = read_image(media / "basketball1.png")[:, :300]
    canvas = np.empty((CANVAS[1], CANVAS[0], 3), np.uint8)
    canvas[:] = player[470, 250]
    # His feet are at about (95, 455) in the source.
    dx, dy = int(FEET[0] - 95), int(FEET[1] - 455)
    ys, xs = slice(max(0, dy), min(CANVAS[1], 480 + dy)), slice(dx, dx + 300)
    canvas[ys, xs] = player[max(0, -dy):max(0, -dy) + (ys.stop - ys.start)]
    return canvas


def tipped(canvas: np.ndarray, degrees: float, feet: tuple[float, float] = FEET) -> np.ndarray:
    """The canvas rotated clockwise about the feet (he falls to the right;
    negative degrees: to the left)."""
    m = cv2.getRotationMatrix2D(feet, -degrees, 1.0)
    return cv2.warpAffine(canvas, m, CANVAS, flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)


def angle_schedule(keys: list[tuple[float, float]], fps: int = FPS) -> list[float]:
    """Tilt per frame from (time_s, degrees) keyframes, linear between them."""
    end = keys[-1][0]
    t = np.arange(0, end, 1 / fps)
    return list(np.interp(t, [k[0] for k in keys], [k[1] for k in keys]))


def write_tilt_clip(path: Path, media: Path, keys: list[tuple[float, float]]) -> Path:
    canvas = player_canvas(media)
    frames = [tipped(canvas, a) for a in angle_schedule(keys)]
    return write_clip(path, frames, time_base=Fraction(1, FPS), rate=Fraction(FPS))


FALL_KEYS = [(0.0, 0.0), (FALL_START_S, 0.0), (FALL_START_S + FALL_DURATION_S, 90.0),
             (FALL_START_S + FALL_DURATION_S + 2.5, 90.0)]
# Down in 4 s, 1.5 s lying, up again in 1.5 s, 1.5 s standing.
SLOW_KEYS = [(0.0, 0.0), (1.0, 0.0), (5.0, 90.0), (6.5, 90.0), (8.0, 0.0), (9.5, 0.0)]


def write_fall_clip(path: Path, media: Path) -> Path:
    return write_tilt_clip(path, media, FALL_KEYS)


def write_slow_clip(path: Path, media: Path) -> Path:
    return write_tilt_clip(path, media, SLOW_KEYS)


def write_walkers_clip(path: Path, vtest: Path, start: int = 200, count: int = 60) -> Path:
    """vtest.avi frames [start, start + count) at its 10 fps."""
    from tests.helpers.people_media import vtest_images
    images = [rgb for _t, rgb in vtest_images(vtest, start, count)]
    return write_clip(path, images, time_base=Fraction(1, 10), rate=Fraction(10))
