"""Scene cuts: where a video jumps from one shot to another.

A hard cut puts a different picture in front of the landmarker and the
tracker, whose memory then belongs to another scene: MediaPipe's VIDEO mode
keeps following the places people stood in the last shot (a skeleton on a
fence), and the tracker hands their IDs to whoever stands nearest after it.
Both are reset at a cut.

A frame's signature is a few hundred numbers from a strided sample of its
pixels: a colour histogram (changes little while people move or the camera
pans, a lot when the scene changes) and a small grey thumbnail (catches a
cut between two scenes of the same colours: most of its blocks change). The decision uses only the two
frames either side of the cut, never a history, so two passes that decode
the same frames from different starting points (the chunked pipeline)
find the same cuts. Pure NumPy, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HIST_BINS = 8  # per channel
THUMB_W, THUMB_H = 16, 12
BLANK_SPREAD = 0.01  # thumbnail grey spread below which a picture is blank
_SAMPLE = 96  # the longer side is sampled down to about this many pixels


@dataclass(frozen=True, eq=False)
class FrameSignature:
    """What a cut test needs of one frame: a normalised RGB histogram
    (3 * HIST_BINS, sums to 1 per channel) and a grey thumbnail (0..1)."""

    histogram: np.ndarray
    thumbnail: np.ndarray


def _soft_bin_weights() -> np.ndarray:
    """(256, HIST_BINS): how much of one 8-bit value goes to each bin. Each
    value is shared between its two nearest bin centres, so a small change
    of brightness moves a little mass instead of a whole bin (hard bins
    would see a cut in a slow fade)."""
    pos = np.arange(256, dtype=np.float64) * (HIST_BINS / 256.0) - 0.5
    low = np.floor(pos)
    frac = pos - low
    low = low.astype(np.intp)
    weights = np.zeros((256, HIST_BINS))
    rows = np.arange(256)
    np.add.at(weights, (rows, np.clip(low, 0, HIST_BINS - 1)), 1.0 - frac)
    np.add.at(weights, (rows, np.clip(low + 1, 0, HIST_BINS - 1)), frac)
    return weights


_SOFT_BINS = _soft_bin_weights()
_CHANNEL_BASE = np.array([0, 256, 512], np.intp)


def _soft_histograms(pixels: np.ndarray) -> np.ndarray:
    """HIST_BINS soft bins per channel of (N, 3) uint8 pixels, each channel's
    summing to 1: exact counts of each value, then shared out by
    `_SOFT_BINS` (the same sums as weighting every pixel, in a fraction of
    the time)."""
    counts = np.bincount((pixels + _CHANNEL_BASE).ravel(), minlength=768).reshape(3, 256)
    return (counts @ _SOFT_BINS).ravel() / max(1, pixels.shape[0])


def _block_edges(size: int, blocks: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of `blocks` near-equal spans of `size`."""
    edges = np.linspace(0, size, blocks + 1).astype(int)
    start = np.minimum(edges[:-1], size - 1)
    return start, np.maximum(edges[1:], start + 1)


def signature(rgb: np.ndarray) -> FrameSignature:
    """The signature of one RGB uint8 (H, W, 3) picture; about 0.3 ms on 768x576."""
    h, w = rgb.shape[:2]
    step = max(1, max(h, w) // _SAMPLE)
    small = rgb[::step, ::step, :3]
    hist = _soft_histograms(small.reshape(-1, 3))
    grey = (small[..., 0] + small[..., 1].astype(np.uint16) + small[..., 2]) * (1.0 / (3 * 255.0))
    sh, sw = grey.shape
    # Block means via a summed-area table; in a picture under 16x12 samples
    # blocks repeat pixels (each spans at least one).
    r0, r1 = _block_edges(sh, THUMB_H)
    c0, c1 = _block_edges(sw, THUMB_W)
    table = np.pad(grey.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    sums = table[r1][:, c1] - table[r0][:, c1] - table[r1][:, c0] + table[r0][:, c0]
    area = np.outer(r1 - r0, c1 - c0)
    return FrameSignature(hist, sums / area)


@dataclass(frozen=True)
class CutRule:
    """When two frames are a cut: the histograms differ by `histogram`, or
    the thumbnails by `thumbnail` on average with more than `share` of
    their blocks changed by over `block` (a cut changes the whole picture;
    someone moving, even falling close to the camera, changes part of it).

    Measured on shared/media (bench/ids.py prints them), frames 1 and 3
    apart: within a shot the histogram moves at most 0.07 and the
    thumbnail 0.06 on average with at most 0.33 of its blocks (tree.avi's
    moving camera; vtest.avi and carphone far less); the player falling
    over in tests/helpers/motion_clips.py up to 0.14, 0.12 and 0.47. Across
    cuts between different scenes the histogram moves 0.32-0.53; between
    a scene and its mirror image (same colours) the thumbnail moves 0.16 or
    more with 0.64 or more of its blocks."""

    histogram: float = 0.25  # half the L1 distance of the histograms, 0..1
    thumbnail: float = 0.10  # mean grey change, 0..1
    block: float = 0.10  # a block "changed" by more than this grey change ...
    share: float = 0.55  # ... in at least this share of the blocks

    def is_cut(self, a: FrameSignature, b: FrameSignature) -> bool:
        hist, thumb = distances(a, b)
        if hist >= self.histogram:
            return True
        return thumb >= self.thumbnail and changed_share(a, b, self.block) >= self.share


def distances(a: FrameSignature, b: FrameSignature) -> tuple[float, float]:
    """(histogram distance, mean thumbnail change) between two frames, 0..1."""
    hist = float(np.abs(a.histogram - b.histogram).sum() / 6.0)
    if a.thumbnail.shape != b.thumbnail.shape:
        return hist, 1.0
    return hist, float(np.abs(a.thumbnail - b.thumbnail).mean())


def changed_share(a: FrameSignature, b: FrameSignature, block: float) -> float:
    """Share of thumbnail blocks whose grey changed by more than `block`."""
    if a.thumbnail.shape != b.thumbnail.shape:
        return 1.0
    return float((np.abs(a.thumbnail - b.thumbnail) > block).mean())


class CutDetector:
    """Feeds frames in display order; `push` says whether a frame starts a
    new shot. The first frame is not a cut (nothing came before it). One
    per pass over a video, used from one thread."""

    def __init__(self, rule: CutRule = CutRule()) -> None:
        self.rule = rule
        self._last: FrameSignature | None = None
        self._last_size: tuple[int, int] | None = None

    def push(self, rgb: np.ndarray) -> bool:
        sig = signature(rgb)
        if float(sig.thumbnail.std()) < BLANK_SPREAD:
            # A blank picture (a black frame, a flash) is no shot of its own:
            # the next real picture is compared with the last one before it,
            # so a blackout that returns to the same scene is not a cut.
            return False
        size = rgb.shape[:2]
        last, last_size = self._last, self._last_size
        self._last, self._last_size = sig, size
        if last is None:
            return False
        return size != last_size or self.rule.is_cut(last, sig)

    def forget(self) -> None:
        """After a seek: the next frame has no predecessor to compare with."""
        self._last = self._last_size = None
