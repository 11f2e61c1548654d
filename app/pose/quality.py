"""Whether a detection is a person: the evidence the quality gate weighs.

MediaPipe's VIDEO mode, once it has latched onto clutter (a parked bicycle,
a patch of road), keeps tracking it: a ghost skeleton. Ghosts measured in
street footage had a mean landmark presence of 0.13-0.36, real people 0.9 or
more. Presence is the model's belief that a landmark is in the picture, so
it is averaged only over the landmarks that lie in the picture: for a face
close-up (carphone) the hips and legs lie below the frame with presence
near 0, yet the person is certain (in-frame presence 1.0).

Pure logic on landmark arrays (people, 33, 5); app/pose/gate.py runs it and
the IMAGE-mode re-check. The thresholds are constants, not settings: they
describe the model's output, not a user's taste (the user's say is
`--min-presence-confidence`, which MediaPipe applies before any of this).
"""

from __future__ import annotations

from enum import Enum

import numpy as np

from app.base.landmarks import INDEX
from app.base.types import PRESENCE, X, Y

# Below this in-frame presence a detection is a ghost, whatever else holds
# (ghosts measured 0.13-0.36; on vtest.avi with tiles, a ghost dragged along
# the empty road 0.19-0.39). Real people range lower than 0.9: small ones
# on vtest.avi 0.5-0.8 (the model is unsure of their legs), a close-up
# whose lower body is hidden in the picture 0.45. So the band between this
# and SURE_PRESENCE is decided by the IMAGE-mode re-check, not refused.
GHOST_PRESENCE = 0.3
# At or above it a person the gate already knows needs no re-check (real
# people measured 0.9 or more); between the two the gate asks IMAGE mode.
SURE_PRESENCE = 0.9
# A person followed from the previous frame keeps being reported without a
# re-check down to this presence (ghosts stay under 0.4): fewer re-checks,
# and no flicker where a small real person's re-check misses once.
FOLLOWED_PRESENCE = 0.6
PRESENT = 0.5  # a landmark counts as present from this presence on
MIN_PRESENT_POINTS = 6  # fewer present landmarks in the picture: no person to show
IN_FRAME_MARGIN = 0.02  # landmarks this far outside the picture still count as in it
MIN_PERSON_PX = 12  # a person whose present landmarks span less than this is noise

# Body proportions in the picture (2-D, so foreshortening must pass: a side
# view narrows the shoulders to nothing, an arm pointing at the camera
# shortens). Only what no posture produces is refused:
MIN_TORSO_PER_SHOULDERS = 0.25  # a torso flattened onto the shoulder line
MAX_LEG_ASYMMETRY = 3.5  # one thigh (or shin) over 3.5x the other's length


class Verdict(Enum):
    REJECT = "reject"  # not a person
    DOUBT = "doubt"  # maybe: an IMAGE-mode re-check decides
    SURE = "sure"  # a person (re-checked anyway when new to a video)


def in_frame(person: np.ndarray) -> np.ndarray:
    """(33,) bool: the landmark lies in the picture (within the margin)."""
    lo, hi = -IN_FRAME_MARGIN, 1.0 + IN_FRAME_MARGIN
    x, y = person[:, X], person[:, Y]
    return (x >= lo) & (x <= hi) & (y >= lo) & (y <= hi)


def present_in_frame(person: np.ndarray) -> np.ndarray:
    """(33,) bool: in the picture and present."""
    return in_frame(person) & (person[:, PRESENCE] >= PRESENT)


def frame_presence(person: np.ndarray) -> float:
    """Mean presence of the landmarks that lie in the picture (0 with fewer
    than MIN_PRESENT_POINTS of them)."""
    inside = in_frame(person)
    if inside.sum() < MIN_PRESENT_POINTS:
        return 0.0
    return float(person[inside, PRESENCE].mean())


def _length(person: np.ndarray, a: str, b: str, scale: np.ndarray) -> float | None:
    """Pixel distance between two landmarks, None unless both are present."""
    i, j = INDEX[a], INDEX[b]
    if person[i, PRESENCE] < PRESENT or person[j, PRESENCE] < PRESENT:
        return None
    return float(np.hypot(*((person[i, :2] - person[j, :2]) * scale)))


def _mid(person: np.ndarray, a: str, b: str) -> np.ndarray:
    return (person[INDEX[a], :2] + person[INDEX[b], :2]) / 2


def implausible_body(person: np.ndarray, width: int, height: int) -> str | None:
    """Why this detection's proportions are no person's (None when they
    could be)."""
    scale = np.array([width, height], np.float64)
    seen = present_in_frame(person)
    if seen.sum() < MIN_PRESENT_POINTS:
        return "too few landmarks in the picture"
    pts = person[seen, :2].astype(np.float64) * scale
    if (pts.max(axis=0) - pts.min(axis=0)).max() < MIN_PERSON_PX:
        return "smaller than a person can be seen"
    shoulders = _length(person, "left_shoulder", "right_shoulder", scale)
    hips = _length(person, "left_hip", "right_hip", scale)
    if shoulders is not None and hips is not None and shoulders > MIN_PERSON_PX:
        torso = float(np.hypot(*((_mid(person, "left_shoulder", "right_shoulder")
                                  - _mid(person, "left_hip", "right_hip")) * scale)))
        if torso < MIN_TORSO_PER_SHOULDERS * shoulders:
            return "torso flattened onto the shoulders"
    for upper, lower in (("hip", "knee"), ("knee", "ankle")):
        left = _length(person, f"left_{upper}", f"left_{lower}", scale)
        right = _length(person, f"right_{upper}", f"right_{lower}", scale)
        if left is None or right is None or max(left, right) < MIN_PERSON_PX:
            continue
        if max(left, right) > MAX_LEG_ASYMMETRY * max(1.0, min(left, right)):
            return f"{upper}-{lower} lengths differ {max(left, right) / max(1.0, min(left, right)):.1f}x"
    return None


def verdict(person: np.ndarray, width: int, height: int) -> Verdict:
    """What the evidence in one frame says about one detection (33, 5)."""
    presence = frame_presence(person)
    if presence < GHOST_PRESENCE or implausible_body(person, width, height) is not None:
        return Verdict.REJECT
    return Verdict.SURE if presence >= SURE_PRESENCE else Verdict.DOUBT


def recheck_window(person: np.ndarray, width: int, height: int) -> tuple[int, int, int, int]:
    """The square (x0, y0, x1, y1) in pixels an IMAGE-mode re-check looks at:
    the person's present landmarks with as much again around them, so the
    detector sees the whole person at a good size (it may reach beyond the
    picture: that part is black)."""
    scale = np.array([width, height], np.float64)
    seen = present_in_frame(person)
    pts = person[seen if seen.sum() >= 2 else slice(None), :2].astype(np.float64) * scale
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    centre = (lo + hi) / 2
    side = max(2.0 * float((hi - lo).max()), 64.0)
    side = min(side, 2.0 * max(width, height))
    x0, y0 = (centre - side / 2).round().astype(int)
    s = int(round(side))
    return int(x0), int(y0), int(x0) + s, int(y0) + s


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two pixel boxes x0, y0, x1, y1."""
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / max(1.0, union))
