"""The stronger search for stills and the first frame of a shot.

One full-frame detection misses people: MediaPipe's detector sees the whole
picture squeezed to 224x224, so small people vanish, and VIDEO mode only
looks for new people when it has lost the ones it follows. At a still or a
shot's first frame, where nothing is known yet, the search also looks at
the frame padded to a square (the detector then sees the picture with no
squeeze) and, when it found nobody or only people small in the picture, at
overlapping upscaled tiles. The copies of one person are merged
(app/pose/merge.py). All of it runs in IMAGE mode, on one landmarker.

A window that holds two people can yield neither. In bench/quality.py's
"four standing", basketball1's player stands at the left edge beside
messi5's: the full frame and the square-padded frame show him too small,
and the one long-side window that holds him whole holds messi5's player
cut in half by its edge. There the detector scored him between 0.4 and 0.5
(found at a minimum detection confidence of 0.4, not at the 0.5 asked),
and its candidate for the cut player was refused by the landmarker; with
messi5's player blacked out, the same window found him at 0.5, sure. So
what is found is excluded and the windows are searched again: everybody
found is blacked out, and the windows that held someone are run once more
on that picture (at most twice; a round that adds nobody ends it).
Blacking out changes what the detector sees around the rest, and on
clutter it raises people who are not there (the blurred crowd behind
messi5's player), so a person found only this way is kept only when the
untouched picture, in a window around them alone (confirm_window), shows
them too; that copy is the one kept.
"""

from __future__ import annotations

import numpy as np

from app.pose.merge import detection_scores, merge_duplicates, pose_boxes, same_person
from app.pose.quality import Verdict, present_in_frame, verdict
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
# Excluding what is found: a found person is blacked out over their pose box
# grown by this share of its long side on every side (the box spans the
# landmarks, not the hair or the ball in hand)...
EXCLUDE_MARGIN = 0.15
# ...and a window is searched again when that hid part of it and left at
# least this share of it open.
MIN_OPEN_SHARE = 0.1
SEARCH_AGAIN_ROUNDS = 2  # at most; a round that finds nobody new ends the search
# A person found only with others blacked out is confirmed on the untouched
# picture in their pose box grown by this share of its long side on every
# side: their own surroundings, not their neighbours'. (A square 1.5x their
# height, centred on them, took in a neighbour 20 px away and lost them
# again in bench/quality.py's arrangements of "four standing"; their box
# grown by 0.15 or 0.3 confirmed every real person and none of the crowd.)
CONFIRM_MARGIN = 0.25


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


def exclusion_boxes(people: np.ndarray, width: int, height: int) -> list[Tile]:
    """The pixel boxes that black out `people` (pose box plus EXCLUDE_MARGIN),
    clipped to the picture."""
    out = []
    for x0, y0, x1, y1 in pose_boxes(people, width, height):
        m = EXCLUDE_MARGIN * max(x1 - x0, y1 - y0)
        out.append(Tile(max(0, int(np.floor(x0 - m))), max(0, int(np.floor(y0 - m))),
                        min(width, int(np.ceil(x1 + m))), min(height, int(np.ceil(y1 + m)))))
    return out


def black_out(rgb: np.ndarray, boxes: list[Tile]) -> tuple[np.ndarray, np.ndarray]:
    """A copy of the picture with `boxes` black, and the (height, width) mask
    of what was hidden."""
    hidden = np.zeros(rgb.shape[:2], bool)
    for b in boxes:
        hidden[b.y0:b.y1, b.x0:b.x1] = True
    out = rgb.copy()
    out[hidden] = 0
    return out, hidden


def open_share(hidden: np.ndarray, window: Tile) -> tuple[bool, float]:
    """Whether any of the window's in-picture part is hidden, and the share
    of that part left open."""
    height, width = hidden.shape
    x0, y0 = max(0, window.x0), max(0, window.y0)
    x1, y1 = min(width, window.x1), min(height, window.y1)
    area = max(0, x1 - x0) * max(0, y1 - y0)
    if area == 0:
        return False, 0.0
    covered = int(hidden[y0:y1, x0:x1].sum())
    return covered > 0, 1.0 - covered / area


def confirm_window(person: np.ndarray, width: int, height: int) -> Tile:
    """The window around one person a confirmation looks at: their pose box
    grown by CONFIRM_MARGIN (beyond the picture it is black)."""
    x0, y0, x1, y1 = pose_boxes(person[None], width, height)[0]
    m = CONFIRM_MARGIN * max(x1 - x0, y1 - y0, 1.0)
    return Tile(int(np.floor(x0 - m)), int(np.floor(y0 - m)),
                int(np.ceil(x1 + m)), int(np.ceil(y1 + m)))


def confirmed(estimator, rgb: np.ndarray, person: np.ndarray,
              resize: ResizeFn | None) -> np.ndarray | None:
    """The untouched picture's copy of a person found with others blacked
    out (no black box beside it), from confirm_window; None when the
    untouched picture does not show them."""
    height, width = rgb.shape[:2]
    again = [other for other in detect_in(estimator, rgb, confirm_window(person, width, height),
                                          resize)
             if same_person(person, other, width, height)]
    if not again:
        return None
    return max(again, key=lambda other: float(detection_scores(other[None])[0]))


def _merged(parts: list[np.ndarray], width: int, height: int, limit: int) -> np.ndarray:
    everything = np.concatenate(parts)
    return merge_duplicates(everything, width, height, detection_scores(everything), limit=limit)


def search_again(estimator, rgb: np.ndarray, resize: ResizeFn | None, limit: int,
                 people: np.ndarray, windows: list[Tile]) -> np.ndarray:
    """`people` and whoever the windows show once `people` are blacked out
    and the untouched picture confirms (module docstring), best first."""
    height, width = rgb.shape[:2]
    for _ in range(SEARCH_AGAIN_ROUNDS):
        real = np.array([verdict(p, width, height) is not Verdict.REJECT for p in people], bool)
        if not real.any() or real.sum() >= limit:
            break
        masked, hidden = black_out(rgb, exclusion_boxes(people[real], width, height))
        found = [people[:0]]
        for window in windows:
            touched, share = open_share(hidden, window)
            if touched and share >= MIN_OPEN_SHARE:
                found.append(detect_in(estimator, masked, window, resize))
        added: list[np.ndarray] = []
        for person in _merged(found, width, height, limit):
            if verdict(person, width, height) is Verdict.REJECT or any(
                    same_person(person, other, width, height) for other in [*people, *added]):
                continue
            copy = confirmed(estimator, rgb, person, resize)
            if copy is not None:
                added.append(copy)
        if not added:
            break
        people = _merged([people, np.stack(added)], width, height, limit)
    return people


def strong_search(estimator, rgb: np.ndarray, resize: ResizeFn | None, limit: int,
                  found: np.ndarray | None = None) -> np.ndarray:
    """Landmarks (people, 33, 5) from the full frame (or `found`, what the
    caller already detected there), the square-padded frame and, when
    people are small or missing, tiles; then the same windows again with
    everybody found blacked out; duplicates merged, best first.
    `estimator` is an IMAGE-mode PoseEstimator."""
    height, width = rgb.shape[:2]
    if found is None:
        found = estimator.detect(np.ascontiguousarray(rgb))
    parts = [found]
    windows = [Tile(0, 0, width, height)]
    if width != height:
        windows.append(square_window(width, height))
    windows += long_side_windows(width, height)
    for window in windows[1:]:
        parts.append(detect_in(estimator, rgb, window, resize))
    merged = _merged(parts, width, height, limit)
    if merged.shape[0] == 0 or min(person_height_share(p) for p in merged) < SMALL_PERSON_SHARE:
        cols, rows = search_grid(width, height)
        tiles = plan_tiles(width, height, cols, rows)
        for tile in tiles:
            parts.append(detect_in(estimator, rgb, tile, resize))
        windows += tiles
        merged = _merged(parts, width, height, limit)
    return search_again(estimator, rgb, resize, limit, merged, windows)
