"""Finding distant people: pose detection on overlapping, upscaled tiles.

MediaPipe's pose detector sees the whole picture squeezed to 224x224, so a
pedestrian 80 px tall in a 768x576 surveillance frame is a few pixels to it
and is missed (../shared/NOTES.md). Cutting the frame into overlapping tiles
makes each person a larger share of what the detector sees. Every tile and
the full frame are detected separately, landmarks are mapped back to
full-frame normalised coordinates, and the copies of one person that
several tiles (or a tile and the full frame) found are merged by
non-maximum suppression on keypoint similarity (OKS-like) and pose-box
overlap.

A `TiledPoseEstimator` has the same `detect`/`close`/context-manager
interface as `PoseEstimator` and, like it, belongs to the thread that
created it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.base.confidence import box_points, confident_mask
from app.base.settings import DetectionSettings
from app.base.types import PRESENCE, VISIBILITY, X, Y, Z
from app.pose.estimator import PoseEstimator

# A tile whose short side is below this is upscaled to it before detection:
# the landmark model's input is 256x256, and giving MediaPipe a tile at least
# that size means the person crop it cuts out is not upsampled from a few
# dozen pixels by its own (nearest-ish) crop resampler.
TILE_MIN_SIDE = 256
TILE_OVERLAP = 0.3  # share of a tile's width/height it shares with its neighbour
AUTO_MIN_SHORT_SIDE = 288  # below this, 'auto' uses no tiles (the full frame is enough)
AUTO_MAX_TILES = 4  # per axis

# Merging: a landmark counts when visibility and presence reach this.
MERGE_MIN_CONFIDENCE = 0.5
# OKS falloff as a share of person size (COCO's per-joint kappas are 0.025-0.1;
# MediaPipe's copies of one person from different crops differ more).
OKS_KAPPA = 0.1
MIN_SHARED_POINTS = 4  # fewer shared confident landmarks: fall back to the boxes


@dataclass(frozen=True)
class Tile:
    """A crop of the frame in pixels: [x0, x1) x [y0, y1)."""

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


def auto_grid(width: int, height: int) -> tuple[int, int]:
    """(cols, rows) for 'auto': two tiles across the short side and as many
    across the long side as keep tiles about square; (1, 1) (no tiles) for
    small frames, where people are never far away in pixels."""
    short, long_ = min(width, height), max(width, height)
    if short < AUTO_MIN_SHORT_SIDE:
        return 1, 1
    n_long = int(min(AUTO_MAX_TILES, max(2, round(2 * long_ / short))))
    return (n_long, 2) if width >= height else (2, n_long)


AUTO_SMALL_RULE = (f"pictures under {AUTO_MIN_SHORT_SIDE} px on their short side are searched "
                   "whole: tiles would not find more there")


def auto_tiles_note(width: int, height: int) -> str | None:
    """Why 'auto' tiles do nothing on a width x height picture (one line), or
    None when they are used."""
    if auto_grid(width, height) != (1, 1):
        return None
    return f"tiles (auto) not used on this {width}x{height} picture: {AUTO_SMALL_RULE}"


def plan_tiles(width: int, height: int, cols: int, rows: int,
               overlap: float = TILE_OVERLAP) -> list[Tile]:
    """Overlapping tiles covering the frame, `cols` x `rows`, row by row."""
    def spans(size: int, n: int) -> list[tuple[int, int]]:
        if n <= 1:
            return [(0, size)]
        # n tiles of length L overlapping by overlap*L cover n*L - (n-1)*overlap*L.
        length = size / (n - (n - 1) * overlap)
        step = length * (1 - overlap)
        out = []
        for i in range(n):
            a = int(round(i * step))
            b = size if i == n - 1 else int(round(i * step + length))
            out.append((a, min(size, b)))
        return out
    return [Tile(x0, y0, x1, y1) for (y0, y1) in spans(height, rows)
            for (x0, x1) in spans(width, cols)]


# --------------------------------------------------------------------------
# merging duplicates


def _confident(landmarks: np.ndarray) -> np.ndarray:
    return confident_mask(landmarks, MERGE_MIN_CONFIDENCE)


def pose_boxes(landmarks: np.ndarray, width: int, height: int) -> np.ndarray:
    """(people, 4) pixel boxes x0, y0, x1, y1 around each person's confident
    landmarks (all landmarks where fewer than three are confident)."""
    out = np.zeros((landmarks.shape[0], 4), np.float64)
    scale = np.array([width, height], np.float64)
    for p, person in enumerate(landmarks):
        conf = _confident(person)
        pts = box_points(person[:, :2], conf).astype(np.float64) * scale
        out[p] = (*pts.min(axis=0), *pts.max(axis=0))
    return out


def _box_overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over the smaller box: a person cut by a tile edge gives a
    partial box inside the whole one, which plain IoU would not call a match."""
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    area_a = max(1.0, (a[2] - a[0]) * (a[3] - a[1]))
    area_b = max(1.0, (b[2] - b[0]) * (b[3] - b[1]))
    return float(iw * ih / min(area_a, area_b))


def keypoint_similarity(a: np.ndarray, b: np.ndarray, width: int, height: int) -> tuple[float, int]:
    """OKS-like similarity of two people (33, 5) over the landmarks confident
    in both, and how many those were. 1 = same points; ~0 = unrelated."""
    shared = _confident(a) & _confident(b)
    n = int(shared.sum())
    if n == 0:
        return 0.0, 0
    scale = np.array([width, height], np.float64)
    pa = a[shared, :2].astype(np.float64) * scale
    pb = b[shared, :2].astype(np.float64) * scale
    box_a = pose_boxes(a[None], width, height)[0]
    box_b = pose_boxes(b[None], width, height)[0]
    size = max(1.0, max(box_a[2] - box_a[0], box_a[3] - box_a[1],
                        box_b[2] - box_b[0], box_b[3] - box_b[1]))
    d2 = ((pa - pb) ** 2).sum(axis=1)
    return float(np.exp(-d2 / (2 * (OKS_KAPPA * size) ** 2)).mean()), n


@dataclass(frozen=True)
class DuplicateRule:
    """When two detections are one person: for some (oks, box) in `agree`,
    their keypoint similarity reaches oks while their boxes overlap at least
    box (intersection over the smaller box). Looser keypoints need more box
    overlap: a copy cut off by a tile edge, or a collapsed one (MediaPipe
    sometimes squeezes a small person's landmarks onto their legs), lies
    inside the whole one. With fewer than MIN_SHARED_POINTS confident
    landmarks in common, box overlap `box_only` decides."""

    agree: tuple[tuple[float, float], ...] = ((0.5, 0.0), (0.25, 0.8), (0.1, 0.9))
    box_only: float = 0.7


MERGE_RULE = DuplicateRule()


def same_person(a: np.ndarray, b: np.ndarray, width: int, height: int,
                rule: DuplicateRule = MERGE_RULE) -> bool:
    """Whether two detections (33, 5) in full-frame coordinates are one person."""
    oks, shared = keypoint_similarity(a, b, width, height)
    boxes = pose_boxes(np.stack([a, b]), width, height)
    overlap = _box_overlap(boxes[0], boxes[1])
    if shared < MIN_SHARED_POINTS:
        return overlap >= rule.box_only
    return any(oks >= k and overlap >= b for k, b in rule.agree)


def detection_scores(landmarks: np.ndarray) -> np.ndarray:
    """(people,) quality for NMS: mean confidence over the whole body, so a
    copy cut off by a tile edge (low presence beyond it) ranks below a whole one."""
    if landmarks.shape[0] == 0:
        return np.zeros(0)
    conf = np.minimum(landmarks[..., VISIBILITY], landmarks[..., PRESENCE])
    return conf.mean(axis=1).astype(np.float64)


def merge_duplicates(landmarks: np.ndarray, width: int, height: int,
                     scores: np.ndarray | None = None, limit: int | None = None) -> np.ndarray:
    """Greedy NMS: keeps the best-scoring detection of each person, at most
    `limit` people, in score order."""
    if landmarks.shape[0] == 0:
        return landmarks
    scores = detection_scores(landmarks) if scores is None else scores
    kept: list[int] = []
    for i in np.argsort(-scores, kind="stable"):
        if all(not same_person(landmarks[i], landmarks[k], width, height) for k in kept):
            kept.append(int(i))
            if limit is not None and len(kept) >= limit:
                break
    return landmarks[kept]


# --------------------------------------------------------------------------
# the estimator


def _edge_penalty(tile_landmarks: np.ndarray, tile: Tile, width: int, height: int) -> np.ndarray:
    """(people,) share of a tile detection's confident landmarks lying near a
    tile edge that is not a frame edge: such a person is probably cut off,
    and a neighbouring tile or the full frame has a better copy."""
    if tile_landmarks.shape[0] == 0:
        return np.zeros(0)
    margin = 0.03
    x, y = tile_landmarks[..., X], tile_landmarks[..., Y]
    near = np.zeros(x.shape, bool)
    if tile.x0 > 0:
        near |= x < margin
    if tile.x1 < width:
        near |= x > 1 - margin
    if tile.y0 > 0:
        near |= y < margin
    if tile.y1 < height:
        near |= y > 1 - margin
    conf = _confident(tile_landmarks)
    return (near & conf).sum(axis=1) / np.maximum(1, conf.sum(axis=1))


class TiledPoseEstimator:
    """Detects on the full frame plus a grid of overlapping tiles and merges.

    Running mode: VIDEO mode (one landmarker per tile) when `video` is true.
    Each tile is a fixed crop of every frame, so it is a proper video stream
    for its landmarker, and VIDEO mode lets MediaPipe follow each person from
    the previous frame's landmarks instead of re-running the detector, which
    is both faster and steadier than IMAGE mode, where every tile re-detects
    from scratch each frame and a small person found in one frame is often
    lost in the next (measured on vtest.avi: see bench/tiles.py). The price
    is memory (one model per tile, ~30 MB each), paid once per worker.
    Stills use IMAGE mode.

    `grid` is (cols, rows) or 'auto' (decided from the first frame's size).
    At most `options.people_limit` people are returned per frame, best first.
    """

    def __init__(self, model_path, options: DetectionSettings = DetectionSettings(), *,
                 grid: tuple[int, int] | str = "auto", video: bool = True,
                 overlap: float = TILE_OVERLAP, resize) -> None:
        """`resize(rgb, width, height)` enlarges small tiles (the engine
        passes FFmpeg's scaler: this layer does no media work itself)."""
        self.model_path, self.options, self.video = model_path, options, video
        self.resize = resize
        self.grid, self.overlap = grid, overlap
        self._full = PoseEstimator(model_path, options, video=video)
        self._tile_estimators: list[PoseEstimator] = []
        self._tiles: list[Tile] | None = None
        self._size: tuple[int, int] | None = None
        self.last_candidates = np.zeros((0, 33, 5), np.float32)

    @property
    def tiles(self) -> list[Tile]:
        return list(self._tiles or [])

    def _setup(self, width: int, height: int) -> None:
        cols, rows = auto_grid(width, height) if self.grid == "auto" else self.grid
        tiles = plan_tiles(width, height, cols, rows, self.overlap) if cols * rows > 1 else []
        for est in self._tile_estimators:
            est.close()
        self._tile_estimators = [PoseEstimator(self.model_path, self.options, video=self.video)
                                 for _ in tiles]
        self._tiles, self._size = tiles, (width, height)

    def detect(self, rgb: np.ndarray, timestamp_ms: int | None = None) -> np.ndarray:
        """Landmarks (people, 33, 5) in full-frame normalised coordinates."""
        height, width = rgb.shape[:2]
        if self._size != (width, height):
            self._setup(width, height)  # a new size (never within one video)
        found = [self._full.detect(rgb, timestamp_ms)]
        scores = [detection_scores(found[0])]
        for tile, est in zip(self._tiles or [], self._tile_estimators):
            crop = rgb[tile.y0:tile.y1, tile.x0:tile.x1]
            up = TILE_MIN_SIDE / min(tile.width, tile.height)
            if up > 1.0:
                crop = self.resize(crop, round(tile.width * up), round(tile.height * up))
            lm = est.detect(np.ascontiguousarray(crop), timestamp_ms)
            if lm.shape[0] == 0:
                continue
            penalty = _edge_penalty(lm, tile, width, height)
            lm = lm.copy()
            # Normalised tile coordinates -> normalised frame coordinates
            # (upscaling does not change them). z is scaled like x.
            lm[..., X] = (tile.x0 + lm[..., X] * tile.width) / width
            lm[..., Y] = (tile.y0 + lm[..., Y] * tile.height) / height
            lm[..., Z] = lm[..., Z] * tile.width / width
            found.append(lm)
            scores.append(detection_scores(lm) * (1.0 - 0.5 * penalty))
        all_lm = np.concatenate(found)
        self.last_candidates = all_lm  # before merging (for benchmarks)
        return merge_duplicates(all_lm, width, height, np.concatenate(scores),
                                limit=self.options.people_limit)

    def close(self) -> None:
        self._full.close()
        for est in self._tile_estimators:
            est.close()
        self._tile_estimators = []

    def __enter__(self) -> TiledPoseEstimator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
