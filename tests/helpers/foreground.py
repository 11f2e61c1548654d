"""An independent reference for "is anybody there" on a fixed camera: the
clip's background as the per-pixel median over frames spread across it, and
a person box's share of pixels that differ from it. A skeleton on empty road
covers background only; a walking person differs from it. (People who stand
still the whole clip would melt into the background: vtest.avi's walk.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np

FOREGROUND_DIFF = 30  # grey levels from the background (vtest's noise is ~5)
MIN_FOREGROUND_SHARE = 0.12  # of a person's box: below, nobody is there


def background(path: Path, samples: int = 60) -> np.ndarray:
    """Median picture of `samples` frames spread over the whole clip."""
    from app.media.video import iter_frames, probe
    total = probe(path).frame_count
    step = max(1, total // samples)
    picked = [f.image for f in iter_frames(path) if f.index % step == 0]
    return np.median(np.stack(picked), axis=0).astype(np.int16)


def foreground_mask(image: np.ndarray, bg: np.ndarray) -> np.ndarray:
    return (np.abs(image.astype(np.int16) - bg).max(axis=2) > FOREGROUND_DIFF)


def foreground_share(mask: np.ndarray, box: np.ndarray) -> float:
    """Share of foreground pixels in a pixel box x0, y0, x1, y1."""
    h, w = mask.shape
    x0, y0 = max(0, int(box[0])), max(0, int(box[1]))
    x1, y1 = min(w, int(np.ceil(box[2])) + 1), min(h, int(np.ceil(box[3])) + 1)
    if x1 <= x0 or y1 <= y0:
        return 0.0
    return float(mask[y0:y1, x0:x1].mean())
