"""Filled, anti-aliased shapes on RGB uint8 canvases, in NumPy.

Shapes are capsules: the points within a radius of a segment (a thick line
with round ends; a disc is a capsule of length zero). `fill_capsules` paints
the union of many capsules of one colour from their signed distance field:
a pixel's distance to the nearest shape gives its coverage,
clip(0.5 - distance, 0, 1), so edges are anti-aliased and overlapping limbs
join without seams. Pixel centres sit at integer coordinates; positions are
sub-pixel, so slow motion stays smooth.

Speed: everything is vectorised over all capsules at once, and only the
pixels of each row's span near a capsule are visited (not its bounding box,
which for a diagonal limb is mostly empty), so a frame of several 1080p
skeletons costs a few milliseconds, close to OpenCV's C drawing
(bench/render.py).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

# Coverage reaches zero 0.5 px outside a shape: the spans reach that far.
_MARGIN = 0.5


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For counts [2, 3]: owner [0, 0, 1, 1, 1] and rank [0, 1, 0, 1, 2]."""
    owner = np.repeat(np.arange(counts.size), counts)
    starts = np.cumsum(counts) - counts
    rank = np.arange(owner.size) - starts[owner]
    return owner, rank


def fill_capsules(canvas: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                  radii: np.ndarray | float, color: Sequence[int],
                  antialias: bool = True) -> None:
    """Paints the union of capsules (starts[i]-ends[i], radii[i]) in `color`,
    in place. starts/ends: (N, 2) x, y pixel positions."""
    if not canvas.flags.c_contiguous:
        raise ValueError("fill_capsules draws on C-contiguous canvases")
    a = np.asarray(starts, np.float64).reshape(-1, 2)
    b = np.asarray(ends, np.float64).reshape(-1, 2)
    r = np.broadcast_to(np.asarray(radii, np.float64), (a.shape[0],))
    keep = (r > 0) & np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1)
    if not keep.any():
        return
    a, b, r = a[keep], b[keep], r[keep]
    height, width = canvas.shape[:2]
    reach = r + _MARGIN

    # Rows each capsule can touch.
    y_lo = np.minimum(a[:, 1], b[:, 1])
    y_hi = np.maximum(a[:, 1], b[:, 1])
    row0 = np.clip(np.ceil(y_lo - reach), 0, height).astype(np.int64)
    row1 = np.clip(np.floor(y_hi + reach), -1, height - 1).astype(np.int64)
    cap_of_row, rank = _expand(np.maximum(0, row1 - row0 + 1))
    if cap_of_row.size == 0:
        return
    y = row0[cap_of_row] + rank

    # Each row's span: the x range of the segment part within `reach` of the
    # row in y, widened by `reach` (a horizontal segment spans its length).
    ax, ay = a[cap_of_row, 0], a[cap_of_row, 1]
    dx = (b[:, 0] - a[:, 0])[cap_of_row]
    dy = (b[:, 1] - a[:, 1])[cap_of_row]
    rr = reach[cap_of_row]
    seg_lo = np.maximum(y_lo[cap_of_row], y - rr)
    seg_hi = np.minimum(y_hi[cap_of_row], y + rr)
    level = np.abs(dy) < 1e-9
    slope = np.where(level, 0.0, dx / np.where(level, 1.0, dy))
    x_at_lo = np.where(level, np.minimum(ax, ax + dx), ax + (seg_lo - ay) * slope)
    x_at_hi = np.where(level, np.maximum(ax, ax + dx), ax + (seg_hi - ay) * slope)
    col0 = np.clip(np.ceil(np.minimum(x_at_lo, x_at_hi) - rr), 0, width).astype(np.int64)
    col1 = np.clip(np.floor(np.maximum(x_at_lo, x_at_hi) + rr), -1, width - 1).astype(np.int64)
    row_of_px, rank = _expand(np.maximum(0, col1 - col0 + 1))
    if row_of_px.size == 0:
        return
    x = col0[row_of_px] + rank
    y = y[row_of_px]
    cap = cap_of_row[row_of_px]

    # Signed distance of each visited pixel to its capsule. Per-capsule
    # values are gathered once, as float32 rows.
    seg = b - a
    length2 = (seg * seg).sum(axis=1)
    inv_length2 = np.divide(1.0, length2, out=np.zeros_like(length2), where=length2 > 1e-12)
    table = np.column_stack([a, seg, inv_length2, r]).astype(np.float32)[cap]
    px = x.astype(np.float32)
    px -= table[:, 0]
    py = y.astype(np.float32)
    py -= table[:, 1]
    sx, sy = table[:, 2], table[:, 3]
    t = px * sx
    t += py * sy
    t *= table[:, 4]
    np.clip(t, 0.0, 1.0, out=t)
    px -= t * sx
    py -= t * sy
    px *= px
    py *= py
    px += py
    dist = np.sqrt(px, out=px)
    dist -= table[:, 5]

    # Union of the capsules: the smallest distance per pixel. Scratch
    # buffers the size of the canvas are only touched at visited pixels, so
    # the cost follows the shapes, not the frame.
    flat = y
    flat *= width
    flat += x
    best, owner = _scratch(height * width)
    best[flat] = np.inf
    np.minimum.at(best, flat, dist)
    order = np.arange(flat.size, dtype=np.int32)
    owner[flat] = order  # the last visit of a pixel owns it: one row per pixel
    flat = flat[owner[flat] == order]
    dist = best[flat]
    inside = dist < 0.5 if antialias else dist <= 0.0
    flat, dist = flat[inside], dist[inside]
    if flat.size == 0:
        return
    if antialias:
        coverage = (0.5 - dist).clip(0.0, 1.0)
    else:
        coverage = np.ones(flat.size, np.float32)
    _blend_pixels(canvas, flat, coverage, color)


_local = threading.local()


def _scratch(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-thread float32 and int32 buffers of at least `size`, reused from
    call to call (fresh multi-MB arrays cost more in page faults than the
    drawing). Their contents are undefined."""
    best = getattr(_local, "best", None)
    if best is None or best.size < size:
        _local.best = best = np.empty(size, np.float32)
        _local.owner = np.empty(size, np.int32)
    return best, _local.owner


def _blend_pixels(canvas: np.ndarray, flat: np.ndarray, coverage: np.ndarray,
                  color: Sequence[int]) -> None:
    """Blends `color` into the pixels at flat indices `flat` of a contiguous
    canvas; fully covered pixels (most of a thick line) are simply set."""
    pixels = canvas.reshape(-1, canvas.shape[2])
    target = np.asarray(color, np.float32)[: canvas.shape[2]]
    full = coverage >= 1.0
    pixels[flat[full]] = (target + 0.5).astype(np.uint8)
    part = ~full
    flat, coverage = flat[part], coverage[part]
    old = pixels[flat].astype(np.float32)
    old += (target - old) * coverage[:, None]
    old += 0.5
    pixels[flat] = old.astype(np.uint8)


def blend_images(top: np.ndarray, bottom: np.ndarray, opacity: float) -> np.ndarray:
    """`top` over `bottom` at a uniform opacity, as a new uint8 array."""
    a = np.float32(opacity)
    mixed = top.astype(np.float32) * a + bottom.astype(np.float32) * (np.float32(1.0) - a)
    return (mixed + 0.5).astype(np.uint8)
