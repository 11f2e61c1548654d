"""A small stroke font for the person labels drawn into videos ("#12").

Glyphs are polylines on a grid 4 units wide and 6 tall (y down, baseline at
6), drawn with the same anti-aliased capsules as the skeleton, so labels
scale to any size with no font file and no text library. Only what labels
need is defined: digits and '#'; other characters leave a gap.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.draw.raster import fill_capsules

Stroke = tuple[tuple[float, float], ...]

GLYPH_HEIGHT = 6.0
ADVANCE = 5.6  # glyph width plus spacing, in grid units

GLYPHS: dict[str, tuple[Stroke, ...]] = {
    "0": (((1, 0), (3, 0), (4, 1), (4, 5), (3, 6), (1, 6), (0, 5), (0, 1), (1, 0)),),
    "1": (((0.8, 1.2), (2, 0), (2, 6)), ((0.8, 6), (3.2, 6))),
    "2": (((0, 1), (1, 0), (3, 0), (4, 1), (4, 2.2), (0, 6), (4, 6)),),
    "3": (((0, 0.6), (1, 0), (3, 0), (4, 1), (4, 2), (3, 2.8), (1.5, 2.8)),
          ((3, 2.8), (4, 3.7), (4, 5), (3, 6), (1, 6), (0, 5.4))),
    "4": (((3, 6), (3, 0), (0, 4.2), (4.2, 4.2)),),
    "5": (((4, 0), (0.4, 0), (0, 2.8), (3, 2.6), (4, 3.6), (4, 5), (3, 6), (1, 6), (0, 5.2)),),
    "6": (((3.4, 0), (2, 0), (0.4, 1.8), (0, 3.5), (0, 5), (1, 6), (3, 6), (4, 5), (4, 3.6),
           (3, 2.7), (1, 2.7), (0.1, 3.5)),),
    "7": (((0, 0), (4, 0), (1.4, 6)),),
    "8": (((1, 2.8), (0, 2), (0, 1), (1, 0), (3, 0), (4, 1), (4, 2), (3, 2.8), (1, 2.8),
           (0, 3.7), (0, 5), (1, 6), (3, 6), (4, 5), (4, 3.7), (3, 2.8)),),
    "9": (((0.6, 6), (2, 6), (3.6, 4.2), (4, 2.5), (4, 1), (3, 0), (1, 0), (0, 1), (0, 2.4),
           (1, 3.3), (3, 3.3), (3.9, 2.5)),),
    "#": (((1.8, 0), (1.2, 6)), ((3.4, 0), (2.8, 6)), ((0.2, 2), (4.4, 2)), ((0, 4), (4.2, 4))),
}


def text_width(text: str, height: float) -> float:
    """Width in pixels of `text` drawn `height` pixels tall."""
    unit = height / GLYPH_HEIGHT
    return max(0.0, (len(text) * ADVANCE - (ADVANCE - 4.0)) * unit)


def draw_text(canvas: np.ndarray, text: str, origin: tuple[float, float], height: float,
              stroke: float, color: Sequence[int], antialias: bool = True) -> None:
    """Draws `text` with its baseline-left corner at `origin` (pixels),
    glyphs `height` pixels tall and strokes `stroke` pixels wide, in place."""
    unit = height / GLYPH_HEIGHT
    x0, baseline = origin
    top = baseline - height
    starts, ends = [], []
    for i, char in enumerate(text):
        left = x0 + i * ADVANCE * unit
        for stroke_points in GLYPHS.get(char, ()):
            pts = [(left + gx * unit, top + gy * unit) for gx, gy in stroke_points]
            starts.extend(pts[:-1])
            ends.extend(pts[1:])
    if starts:
        fill_capsules(canvas, np.asarray(starts), np.asarray(ends), stroke / 2.0, color, antialias)
