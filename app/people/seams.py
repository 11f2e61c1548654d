"""Whether two pose passes see the same people in one frame.

Used to join time chunks: a chunk's pass keeps going past its end until the
next chunk's pass agrees with it (same people, same places), so a seam never
drops or adds a person. Pure NumPy, no I/O.
"""

from __future__ import annotations

import numpy as np

from app.base.nanstats import nan_mean, nan_span

# Two detections are the same person when their landmarks lie within this
# fraction of the person's size on average: far above the sub-pixel drift of
# two landmarkers tracking one person, far below the gap between two people.
SAME_PERSON_TOLERANCE = 0.15


def _sizes(people: np.ndarray) -> np.ndarray:
    """Diagonal of each person's landmark box, in normalised image units."""
    xy = people[:, :, :2]
    if xy.shape[0] == 0:
        return np.zeros(0)
    span = nan_span(xy, axis=1)
    return np.maximum(np.nan_to_num(np.hypot(span[:, 0], span[:, 1])), 1e-3)


def person_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(b)) mean landmark distance between each pair, in units of
    the larger of the two people's sizes; landmarks missing (NaN) in either
    are left out, and a pair with none in common is infinitely far."""
    diff = a[:, None, :, :2] - b[None, :, :, :2]
    mean = nan_mean(np.hypot(diff[..., 0], diff[..., 1]), axis=2)  # all-NaN rows: NaN
    scale = np.maximum(_sizes(a)[:, None], _sizes(b)[None, :])
    return np.nan_to_num(mean / scale, nan=np.inf)


def match_people(a: np.ndarray, b: np.ndarray,
                 tolerance: float = SAME_PERSON_TOLERANCE) -> list[tuple[int, int]]:
    """Pairs (i, j) of the same person in `a` and `b` (people, 33, >=2),
    closest pairs first, each person used once."""
    if len(a) == 0 or len(b) == 0:
        return []
    d = person_distances(a, b)
    pairs = []
    used_a, used_b = set(), set()
    for flat in np.argsort(d, axis=None):
        i, j = divmod(int(flat), d.shape[1])
        if d[i, j] > tolerance:
            break
        if i in used_a or j in used_b:
            continue
        pairs.append((i, j))
        used_a.add(i)
        used_b.add(j)
    return pairs


def same_people(a: np.ndarray, b: np.ndarray,
                tolerance: float = SAME_PERSON_TOLERANCE) -> bool:
    """True when `a` and `b` hold the same people at the same places."""
    return len(a) == len(b) and len(match_people(a, b, tolerance)) == len(a)
