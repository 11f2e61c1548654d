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

A `TiledPoseEstimator` has the same `detect`/`close`/`ran_on`/context-manager
interface as `PoseEstimator` and, like it, belongs to the thread that
created it.
"""

from __future__ import annotations

import numpy as np

from app.base.confidence import confident_mask
from app.base.settings import DetectionSettings
from app.base.types import DETECTION_COLUMNS, X, Y
from app.pose.devices import NOWHERE, RanOn, ran_on_all
from app.pose.estimator import PoseEstimator
from app.pose.merge import MERGE_MIN_CONFIDENCE, detection_scores, merge_duplicates
from app.pose.windows import Tile, detect_in

TILE_OVERLAP = 0.3  # share of a tile's width/height it shares with its neighbour
AUTO_MIN_SHORT_SIDE = 288  # below this, 'auto' uses no tiles (the full frame is enough)
AUTO_MAX_TILES = 4  # per axis

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
# the estimator


def _edge_penalty(landmarks: np.ndarray, tile: Tile, width: int, height: int) -> np.ndarray:
    """(people,) share of a tile detection's confident landmarks (in frame
    coordinates) lying near a tile edge that is not a frame edge: such a
    person is probably cut off, and a neighbouring tile or the full frame
    has a better copy."""
    if landmarks.shape[0] == 0:
        return np.zeros(0)
    margin = 0.03
    # Position within the tile, 0..1.
    x = (landmarks[..., X] * width - tile.x0) / tile.width
    y = (landmarks[..., Y] * height - tile.y0) / tile.height
    near = np.zeros(x.shape, bool)
    if tile.x0 > 0:
        near |= x < margin
    if tile.x1 < width:
        near |= x > 1 - margin
    if tile.y0 > 0:
        near |= y < margin
    if tile.y1 < height:
        near |= y > 1 - margin
    conf = confident_mask(landmarks, MERGE_MIN_CONFIDENCE)
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
        self._dropped = NOWHERE  # the tiles' landmarkers of an earlier frame size
        self._tiles: list[Tile] | None = None
        self._size: tuple[int, int] | None = None
        self.last_candidates = np.zeros((0, 33, DETECTION_COLUMNS), np.float32)

    @property
    def tiles(self) -> list[Tile]:
        return list(self._tiles or [])

    def _setup(self, width: int, height: int) -> None:
        grid = self.grid
        cols, rows = auto_grid(width, height) if isinstance(grid, str) else grid  # str: "auto"
        tiles = plan_tiles(width, height, cols, rows, self.overlap) if cols * rows > 1 else []
        self._dropped += ran_on_all(self._tile_estimators)
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
            lm = detect_in(est, rgb, tile, self.resize, timestamp_ms)
            if lm.shape[0] == 0:
                continue
            penalty = _edge_penalty(lm, tile, width, height)
            found.append(lm)
            scores.append(detection_scores(lm) * (1.0 - 0.5 * penalty))
        all_lm = np.concatenate(found)
        self.last_candidates = all_lm  # before merging (for benchmarks)
        return merge_duplicates(all_lm, width, height, np.concatenate(scores),
                                limit=self.options.people_limit)

    @property
    def ran_on(self) -> RanOn:
        """What every landmarker it made ran on (the full frame's and the tiles')."""
        return self._dropped + ran_on_all([self._full, *self._tile_estimators])

    def close(self) -> None:
        self._full.close()
        for est in self._tile_estimators:
            est.close()
        self._tile_estimators = []

    def __enter__(self) -> TiledPoseEstimator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
