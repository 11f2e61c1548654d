"""Filled, anti-aliased shapes on RGB uint8 canvases, in NumPy.

Shapes are capsules: the points within a radius of a segment (a thick line
with round ends; a disc is a capsule of length zero). `fill_capsules` paints
the union of many capsules of one colour from their signed distance field:
a pixel's distance to the nearest shape gives its coverage,
clip(0.5 - distance, 0, 1), so edges are anti-aliased and overlapping limbs
join without seams. Pixel centres sit at integer coordinates; positions are
sub-pixel, so slow motion stays smooth.

Speed: everything is vectorised over all capsules at once. Each row's
section of a capsule is computed exactly (a capsule is convex, so it is one
interval): its inner part, fully covered, is set without any per-pixel
arithmetic, and only the one or two pixels at each end of the run get a
distance and a blend. So the cost follows the shapes' outlines, not their
area or bounding boxes, and four 1080p skeletons take a few milliseconds,
within 2x of OpenCV's C drawing (bench/render.py).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

# Coverage reaches zero 0.5 px outside a shape: the spans reach that far.
_MARGIN = 0.5


def _runs(first_x: np.ndarray, counts: np.ndarray, row_base: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray]:
    """Pixels of runs: run i is counts[i] pixels from x = first_x[i] in the
    row that starts at flat index row_base[i]. Returns each pixel's rank
    in its run and its flat canvas index (int64)."""
    offset = np.cumsum(counts) - counts
    flat = np.arange(int(counts.sum()), dtype=np.int64)
    rank = flat - np.repeat(offset, counts)
    flat += np.repeat(row_base + first_x - offset, counts)
    return rank, flat


def _row_section(y: np.ndarray, ax: np.ndarray, ay: np.ndarray, ux: np.ndarray,
                 uy: np.ndarray, length: np.ndarray, bx: np.ndarray, by: np.ndarray,
                 rho: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The x interval [lo, hi] where row y crosses the capsule of radius
    `rho` around a-b (u: unit direction, `length`: |b - a|); lo > hi when it
    misses. The capsule is convex, so its section is one interval: the
    union of the sections of its two end discs and of its side band.
    (Masked ufuncs, `where=`, rather than np.where: several times faster.)"""
    lo = np.full(y.shape, np.inf, y.dtype)
    hi = np.full(y.shape, -np.inf, y.dtype)
    rho2 = rho * rho
    for cx, cy in ((ax, ay), (bx, by)):
        half = y - cy
        half *= half
        np.subtract(rho2, half, out=half)
        hit = half >= 0.0
        np.sqrt(half, out=half, where=hit)
        np.minimum(lo, cx - half, out=lo, where=hit)
        np.maximum(hi, cx + half, out=hi, where=hit)
    # The band: 0 <= (p - a).u <= length and |(p - a).n| <= rho, n = (-uy, ux),
    # each linear in x along the row: slope * (x - ax) + offset in [low, high].
    band_lo = np.full(y.shape, -np.inf, y.dtype)
    band_hi = np.full(y.shape, np.inf, y.dtype)
    dy = y - ay
    for slope, offset, low, high in ((ux, dy * uy, 0.0, length), (-uy, dy * ux, -rho, rho)):
        level = np.abs(slope) < 1e-6
        tilted = ~level
        safe = np.where(level, np.float32(1.0), slope)
        e0 = np.subtract(low, offset)
        e0 /= safe
        e1 = np.subtract(high, offset)
        e1 /= safe
        np.maximum(band_lo, np.minimum(e0, e1) + ax, out=band_lo, where=tilted)
        np.minimum(band_hi, np.maximum(e0, e1) + ax, out=band_hi, where=tilted)
        # A level constraint holds on the whole row or nowhere on it.
        outside = level & ((offset < low) | (offset > high))
        band_lo[outside] = np.inf
    band = (band_lo <= band_hi) & (length > 0)
    np.minimum(lo, band_lo, out=lo, where=band)
    np.maximum(hi, band_hi, out=hi, where=band)
    return lo, hi


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
    # Coverage is clip(0.5 - distance, 0, 1): drawn within r + 0.5, full
    # within r - 0.5 (with no anti-aliasing: full within r, nothing else).
    outer = r + (_MARGIN if antialias else 0.0)
    inner = r - (_MARGIN if antialias else 0.0)

    # Rows each capsule can touch.
    y_lo = np.minimum(a[:, 1], b[:, 1])
    y_hi = np.maximum(a[:, 1], b[:, 1])
    row0 = np.clip(np.ceil(y_lo - outer), 0, height).astype(np.int64)
    row1 = np.clip(np.floor(y_hi + outer), -1, height - 1).astype(np.int64)
    rows = np.maximum(0, row1 - row0 + 1)
    cap = np.repeat(np.arange(rows.size), rows)
    if cap.size == 0:
        return
    y_int = np.arange(cap.size) - np.repeat(np.cumsum(rows) - rows - row0, rows)
    y = y_int.astype(np.float64)

    # Each row's section of the capsule, exactly (the capsule is convex):
    # the pixels within `inner` are fully covered and are simply set; only
    # the few at each end of a row's run, between `inner` and `outer`, need
    # a distance and a blend.
    seg = b - a
    length = np.hypot(seg[:, 0], seg[:, 1])
    unit = np.where(length[:, None] > 1e-9, seg / np.maximum(length, 1e-9)[:, None], [1.0, 0.0])
    # Both radii in one pass (float32 is ample for where a run starts).
    twice = np.concatenate([cap, cap])
    yy = np.concatenate([y, y]).astype(np.float32)
    rho = np.concatenate([outer[cap], np.maximum(inner[cap], 0.0)]).astype(np.float32)
    lo, hi = _row_section(yy, *(v[twice].astype(np.float32) for v in (
        a[:, 0], a[:, 1], unit[:, 0], unit[:, 1], length, b[:, 0], b[:, 1])), rho)
    n = cap.size
    out0 = np.clip(np.ceil(lo[:n]), 0, width).astype(np.int64)
    out1 = np.clip(np.floor(hi[:n]), -1, width - 1).astype(np.int64)
    if antialias:
        lo = np.where(inner[cap] > 0.0, lo[n:], np.inf)  # a hairline has no full pixels
        in0 = np.clip(np.ceil(lo), out0, out1 + 1).astype(np.int64)
        in1 = np.clip(np.floor(hi[n:]), in0 - 1, out1).astype(np.int64)
    else:
        in0, in1 = out0, out1
    row_base = y_int * width

    flat = coverage = None  # the partial pixels and their cover, with anti-aliasing
    if antialias:
        # The partial pixels: from the run's start to the full part, and
        # after it to the run's end (all of the run if nothing is full).
        none_full = in1 < in0
        left_n = np.where(none_full, np.maximum(0, out1 - out0 + 1), in0 - out0)
        right_n = np.where(none_full, 0, out1 - in1)
        first_x = np.concatenate([out0, in1 + 1])
        counts = np.maximum(0, np.concatenate([left_n, right_n]))
        both = np.concatenate([np.arange(cap.size)] * 2)
        rank, flat = _runs(first_x, counts, np.concatenate([row_base, row_base]))
        if flat.size:
            # Distance to the segment, in coordinates relative to its start
            # (float32 keeps sub-pixel precision there). Each run's values
            # are one row of a small table, repeated to its pixels in one
            # contiguous copy.
            ca = cap[both]
            table = np.empty((both.size, 6), np.float32)
            table[:, 0] = first_x - a[ca, 0]
            table[:, 1] = np.concatenate([y, y]) - a[ca, 1]
            table[:, 2] = seg[ca, 0]
            table[:, 3] = seg[ca, 1]
            table[:, 4] = np.divide(1.0, length * length, out=np.zeros_like(length),
                                    where=length > 1e-9)[ca]
            table[:, 5] = r[ca]
            per_px = np.repeat(table, counts, axis=0)
            px = rank.astype(np.float32)
            px += per_px[:, 0]
            py = per_px[:, 1].copy()
            sx, sy = per_px[:, 2], per_px[:, 3]
            t = px * sx
            t += py * sy
            t *= per_px[:, 4]
            np.clip(t, 0.0, 1.0, out=t)
            px -= t * sx
            py -= t * sy
            px *= px
            py *= py
            px += py
            dist = np.sqrt(px, out=px)
            dist -= per_px[:, 5]
            coverage = np.subtract(np.float32(0.5), dist, out=dist)
            np.clip(coverage, 0.0, 1.0, out=coverage)
            drawn = coverage > 0.0
            flat, coverage = flat[drawn], coverage[drawn]
    counts = np.maximum(0, in1 - in0 + 1)
    full = _runs(in0, counts, row_base)[1] if counts.any() else None
    if coverage is not None and flat.size:
        _blend_union(canvas, flat, coverage, full, color)
    # Full pixels last: they win over any partial cover of another capsule.
    if full is not None:
        _set_pixels(canvas, full, color)


def _blend_union(canvas: np.ndarray, flat: np.ndarray, coverage: np.ndarray,
                 full: np.ndarray | None, color: Sequence[int]) -> None:
    """Blends the partly covered pixels of a union of capsules: each pixel
    once, by its largest coverage (pixels repeat where capsules overlap),
    and not at all where another capsule covers it fully (a limb's end
    under its joint): those are set with the full pixels."""
    best, first = _scratch(canvas.shape[0] * canvas.shape[1])
    best[flat] = 0.0
    if full is not None:
        best[full] = 1.0
    np.maximum.at(best, flat, coverage)
    entry = np.arange(flat.size, dtype=np.int32)
    first[flat] = entry  # where a pixel repeats, one of its entries stays
    flat = flat[first[flat] == entry]
    coverage = best[flat]
    part = coverage < 1.0
    _blend_pixels(canvas, flat[part], coverage[part], color)


_local = threading.local()


def _scratch(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-thread float32 and int32 buffers of at least `size` (a value per
    canvas pixel), reused from call to call (a fresh multi-MB array costs
    more in page faults than the drawing). Their contents are undefined."""
    buffers = getattr(_local, "buffers", None)
    if buffers is None or buffers[0].size < size:
        _local.buffers = buffers = (np.empty(size, np.float32), np.empty(size, np.int32))
    return buffers


def _items(canvas: np.ndarray) -> np.ndarray:
    """The canvas's pixels as whole 3- or 4-byte items (a void view), which
    NumPy gathers and scatters several times faster than (N, 3) rows."""
    return canvas.reshape(-1).view(f"V{canvas.shape[2]}")


def _set_pixels(canvas: np.ndarray, flat: np.ndarray, color: Sequence[int]) -> None:
    """Sets the pixels at flat indices `flat` to `color`."""
    channels = canvas.shape[2]
    solid = (np.asarray(color, np.float32)[:channels] + 0.5).astype(np.uint8)
    _items(canvas)[flat] = solid.view(f"V{channels}")[0]


def _blend_pixels(canvas: np.ndarray, flat: np.ndarray, coverage: np.ndarray,
                  color: Sequence[int]) -> None:
    """Blends `color` into the pixels at flat indices `flat` of a contiguous
    canvas by `coverage`; fully covered pixels are simply set."""
    channels = canvas.shape[2]
    target = np.asarray(color, np.float32)[:channels]
    full = coverage >= 1.0
    _set_pixels(canvas, flat[full], color)
    part = ~full
    flat, coverage = flat[part], coverage[part]
    # Channel by channel: NumPy gathers and scatters one strided byte
    # column faster than (N, 3) rows, and the temporaries stay small.
    pixels = canvas.reshape(-1, channels)
    for c in range(channels):
        column = pixels[:, c]
        old = column[flat].astype(np.float32)
        old += (target[c] - old) * coverage
        old += 0.5
        column[flat] = old.astype(np.uint8)


def blend_images(top: np.ndarray, bottom: np.ndarray, opacity: float) -> np.ndarray:
    """`top` over `bottom` at a uniform opacity, as a new uint8 array."""
    a = np.float32(opacity)
    mixed = top.astype(np.float32) * a + bottom.astype(np.float32) * (np.float32(1.0) - a)
    return (mixed + 0.5).astype(np.uint8)
