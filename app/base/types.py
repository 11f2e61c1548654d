"""Immutable values that cross threads: decoded frames and pose results.

Arrays inside them are made read-only so a snapshot handed to another thread
cannot change under it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from app.base.landmarks import NUM_LANDMARKS

# Columns of a landmark array: normalised x and y (0..1 of the frame), MediaPipe's
# relative depth z, and the model's visibility and presence scores (0..1).
X, Y, Z, VISIBILITY, PRESENCE = range(5)


def _frozen(array: np.ndarray) -> np.ndarray:
    if array.flags.writeable:
        array = array.copy() if not array.flags.owndata else array
        array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class Frame:
    """One decoded picture in display orientation, RGB uint8 (H, W, 3).

    `index` counts frames in display order from 0; `pts` is the source
    presentation timestamp in `time_base` units (None for stills); `time_s`
    is seconds from the start of the stream.
    """

    index: int
    time_s: float
    image: np.ndarray
    pts: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "image", _frozen(self.image))

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


def empty_landmarks() -> np.ndarray:
    return _frozen(np.zeros((0, NUM_LANDMARKS, 5), np.float32))


@dataclass(frozen=True, eq=False)
class PoseFrame:
    """Everything found in one frame; no pixels of it.

    landmarks: float32 (people, 33, 5), see X..PRESENCE.
    ids: one person ID per row (-1 while untracked).
    valid: bool (people, 33); False where a landmark fell below the confidence
    threshold or was removed (face points off), so it is neither drawn nor
    exported as valid.
    scene_cut: the frame starts a new shot (app/people/scene_cuts.py), so
    no person ID carries over from the frame before.
    boxes: float32 (people, 5) or None: each person's box from the person
    detector (app/pose/person_check.py), x0, y0, x1, y1 normalised to the
    frame and the detector's score; NaN in all five where a person has no
    box (an interpolated gap). None where no detector ran.
    """

    index: int
    time_s: float
    width: int
    height: int
    landmarks: np.ndarray = field(default_factory=empty_landmarks)
    ids: tuple[int, ...] = ()
    # None: every landmark valid; __post_init__ always stores an array.
    valid: np.ndarray = None  # type: ignore[assignment]
    pts: int | None = None
    scene_cut: bool = False
    boxes: np.ndarray | None = None

    def __post_init__(self) -> None:
        lm = np.asarray(self.landmarks, dtype=np.float32)
        if lm.ndim != 3 or lm.shape[1:] != (NUM_LANDMARKS, 5):
            raise ValueError(f"landmarks must be (people, 33, 5), got {lm.shape}")
        object.__setattr__(self, "landmarks", _frozen(lm))
        if not self.ids:
            object.__setattr__(self, "ids", tuple([-1] * lm.shape[0]))
        if len(self.ids) != lm.shape[0]:
            raise ValueError("one id per person is required")
        valid = self.valid
        if valid is None:
            valid = np.ones(lm.shape[:2], dtype=bool)
        object.__setattr__(self, "valid", _frozen(np.asarray(valid, dtype=bool)))
        if self.boxes is not None:
            boxes = np.asarray(self.boxes, dtype=np.float32).reshape(-1, 5)
            if boxes.shape[0] != lm.shape[0]:
                raise ValueError("one box row per person is required")
            object.__setattr__(self, "boxes", _frozen(boxes))

    @property
    def people(self) -> int:
        return int(self.landmarks.shape[0])

    def pixels(self, width: int | None = None, height: int | None = None) -> np.ndarray:
        """(people, 33, 2) float32 positions in pixels of a width x height image."""
        w = self.width if width is None else width
        h = self.height if height is None else height
        return self.landmarks[:, :, :2] * np.array([w, h], np.float32)

    def with_people(self, landmarks: np.ndarray, ids: tuple[int, ...],
                    valid: np.ndarray | None, boxes: np.ndarray | None = None) -> PoseFrame:
        """A copy with these person rows. Without `boxes`, each row keeps the
        box of the row it came from (`_carried_boxes`), NaN where none."""
        if boxes is None:
            boxes = self._carried_boxes(np.asarray(landmarks), tuple(ids))
        return replace(self, landmarks=landmarks, ids=tuple(ids),
                       valid=valid, boxes=boxes)  # type: ignore[arg-type]  # None: all valid

    def _carried_boxes(self, landmarks: np.ndarray, ids: tuple[int, ...]) -> np.ndarray | None:
        """The boxes of new rows made from this frame's rows: by person ID
        where both have one, else by identical landmarks (rows reordered or
        picked), else by position where the rows are the same people in the
        same order (smoothed landmarks); NaN where a row has no source."""
        if self.boxes is None:
            return None
        out = np.full((len(ids), 5), np.nan, np.float32)
        by_id = {pid: r for r, pid in enumerate(self.ids) if pid >= 0}
        same_rows = tuple(ids) == self.ids
        for r, pid in enumerate(ids):
            if pid >= 0 and pid in by_id:
                out[r] = self.boxes[by_id[pid]]
                continue
            equal = np.flatnonzero((self.landmarks == landmarks[r]).all(axis=(1, 2)))
            if equal.size:
                out[r] = self.boxes[equal[0]]
            elif same_rows:
                out[r] = self.boxes[r]
        return out

    def select(self, rows: list[int] | np.ndarray) -> PoseFrame:
        """A copy that keeps only the given person rows."""
        rows = list(rows)
        boxes = None if self.boxes is None else self.boxes[rows].reshape(-1, 5)
        return self.with_people(self.landmarks[rows], tuple(self.ids[i] for i in rows),
                                self.valid[rows], boxes)
