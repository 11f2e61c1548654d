"""Whether a detection could be a body: the evidence the quality gate still
weighs itself.

Presence is the model's belief that a landmark is in the picture, so it is
averaged only over the landmarks that lie in the picture: for a face
close-up (carphone) the hips and legs lie below the frame with presence
near 0, yet the person is certain (in-frame presence 1.0).

Whether a detection is a person at all is the person detector's call
(app/pose/person_check.py): the rule that refused ghosts by their in-frame
presence, and the IMAGE-mode re-checks of doubtful people, were removed once
it was on by default (issue 26: bench/quality.py measured no fewer people
found and no more wrong without them). Proportions no body has stay: without
them the detector let one more wrong skeleton through in 200 frames of a
fall (gmdcsa24 Subject_4/Fall/03), and no person more was found.

Pure logic on landmark arrays (people, 33, 5).
"""

from __future__ import annotations

import numpy as np

from app.base.landmarks import INDEX
from app.base.types import PRESENCE, X, Y

PRESENT = 0.5  # a landmark counts as present from this presence on
MIN_PRESENT_POINTS = 6  # fewer present landmarks in the picture: no person to show
IN_FRAME_MARGIN = 0.02  # landmarks this far outside the picture still count as in it
MIN_PERSON_PX = 12  # a person whose present landmarks span less than this is noise

# Body proportions in the picture (2-D, so foreshortening must pass: a side
# view narrows the shoulders to nothing, an arm pointing at the camera
# shortens). Only what no posture produces is refused:
MIN_TORSO_PER_SHOULDERS = 0.25  # a torso flattened onto the shoulder line
MAX_LEG_ASYMMETRY = 3.5  # one thigh (or shin) over 3.5x the other's length


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


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two pixel boxes x0, y0, x1, y1."""
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / max(1.0, union))
