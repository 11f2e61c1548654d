"""The stronger search for stills and the first frame of a shot.

One full-frame detection misses people: MediaPipe's detector sees the whole
picture squeezed to 224x224, so small people vanish, and VIDEO mode only
looks for new people when it has lost the ones it follows. At a still or a
shot's first frame, where nothing is known yet, the search also looks at
the frame padded to a square (the detector then sees the picture with no
squeeze) and, when it found nobody or only people small in the picture, at
overlapping upscaled tiles. The copies of one person are merged
(app/pose/merge.py). All of it runs in IMAGE mode, on one landmarker.
"""

from __future__ import annotations

import numpy as np

from app.pose.merge import detection_scores, merge_duplicates
from app.pose.quality import present_in_frame
from app.pose.tiles import auto_grid, plan_tiles
from app.pose.windows import ResizeFn, Tile, detect_in, square_window

# People shorter than this share of the picture's height count as small:
# then tiles are searched too (bench/quality.py: a person a quarter of the
# frame high is found by tiles more often than by the full frame).
SMALL_PERSON_SHARE = 0.3
SMALL_FRAME_GRID = (2, 2)  # tiles for frames too small for auto_grid's choice
# A picture this much wider than high (or higher than wide) is also searched
# in square windows along its long side: people side by side each get a
# detector input of their own (bench/quality.py "four standing": the full
# frame finds 1 of 4).
WIDE_ASPECT = 1.3
WINDOW_OVERLAP = 0.5


def person_height_share(person: np.ndarray) -> float:
    """Height of a person's present landmarks as a share of the picture."""
    seen = present_in_frame(person)
    if seen.sum() < 2:
        return 0.0
    y = person[seen, 1]
    return float(y.max() - y.min())


def search_grid(width: int, height: int) -> tuple[int, int]:
    """The tiles the search cuts: auto's grid, or 2x2 on small pictures
    (a still of people far away can be small in pixels too)."""
    grid = auto_grid(width, height)
    return SMALL_FRAME_GRID if grid == (1, 1) else grid


def long_side_windows(width: int, height: int) -> list[Tile]:
    """Overlapping square windows along the long side of a wide (or tall)
    picture; none for a picture about square."""
    short, long_ = min(width, height), max(width, height)
    if long_ < WIDE_ASPECT * short:
        return []
    step = short * (1 - WINDOW_OVERLAP)
    n = int(np.ceil((long_ - short) / step)) + 1
    starts = np.linspace(0, long_ - short, n).round().astype(int)
    if width >= height:
        return [Tile(int(a), 0, int(a) + short, height) for a in starts]
    return [Tile(0, int(a), width, int(a) + short) for a in starts]


def strong_search(estimator, rgb: np.ndarray, resize: ResizeFn | None, limit: int,
                  found: np.ndarray | None = None) -> np.ndarray:
    """Landmarks (people, 33, 5) from the full frame (or `found`, what the
    caller already detected there), the square-padded frame and, when
    people are small or missing, tiles; duplicates merged, best first.
    `estimator` is an IMAGE-mode PoseEstimator."""
    height, width = rgb.shape[:2]
    if found is None:
        found = estimator.detect(np.ascontiguousarray(rgb))
    parts = [found]
    if width != height:
        parts.append(detect_in(estimator, rgb, square_window(width, height), resize))
    for window in long_side_windows(width, height):
        parts.append(detect_in(estimator, rgb, window, resize))
    everything = np.concatenate(parts)
    merged = merge_duplicates(everything, width, height, detection_scores(everything), limit=limit)
    if merged.shape[0] == 0 or min(person_height_share(p) for p in merged) < SMALL_PERSON_SHARE:
        cols, rows = search_grid(width, height)
        for tile in plan_tiles(width, height, cols, rows):
            parts.append(detect_in(estimator, rgb, tile, resize))
        everything = np.concatenate(parts)
        merged = merge_duplicates(everything, width, height, detection_scores(everything),
                                  limit=limit)
    return merged
