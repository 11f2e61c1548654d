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
# A detection array as the pose layer passes it on is (people, 33, 8): the five
# columns above, then MediaPipe's world landmarks (metres, hip-centred) in
# WX, WY, WZ, so every stage that keeps, merges or reorders rows carries them
# along. PoseFrame splits it into `landmarks` and `world`.
WX, WY, WZ = range(5, 8)
DETECTION_COLUMNS = 8


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


def _rows_of(values: np.ndarray | None, source: np.ndarray) -> np.ndarray | None:
    """`values`' rows at `source` (row indices, -1: none, given NaN)."""
    if values is None:
        return None
    out = np.full((len(source), *values.shape[1:]), np.nan, np.float32)
    found = source >= 0
    out[found] = values[source[found]]
    return out


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
    world: float32 (people, 33, 3), MediaPipe's world landmarks in metres,
    hip-centred (x right, y down, z away from the camera), or None when no
    source of this frame gave any; NaN for a person whose source gave none.
    `landmarks` may be given as a detection array (people, 33, 8): its last
    three columns become `world`.
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
    world: np.ndarray | None = None

    def __post_init__(self) -> None:
        lm = np.asarray(self.landmarks, dtype=np.float32)
        if lm.ndim == 3 and lm.shape[1:] == (NUM_LANDMARKS, DETECTION_COLUMNS):
            if self.world is None:
                object.__setattr__(self, "world", lm[..., WX:WZ + 1])
            lm = lm[..., :5]
        if lm.ndim != 3 or lm.shape[1:] != (NUM_LANDMARKS, 5):
            raise ValueError(f"landmarks must be (people, 33, 5), got {lm.shape}")
        object.__setattr__(self, "landmarks", _frozen(np.ascontiguousarray(lm)))
        if self.world is not None:
            world = np.ascontiguousarray(self.world, dtype=np.float32)
            if world.shape != (lm.shape[0], NUM_LANDMARKS, 3):
                raise ValueError(f"world must be (people, 33, 3), got {world.shape}")
            object.__setattr__(self, "world", _frozen(world))
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

    def world_or_nan(self) -> np.ndarray:
        """`world`, or NaN of its shape when the frame has none."""
        if self.world is not None:
            return self.world
        return np.full((self.people, NUM_LANDMARKS, 3), np.nan, np.float32)

    def with_people(self, landmarks: np.ndarray, ids: tuple[int, ...],
                    valid: np.ndarray | None, *, boxes: np.ndarray | None | object = ...,
                    world: np.ndarray | None | object = ...) -> PoseFrame:
        """A copy with other person rows. `boxes` or `world` left out: each
        new row keeps those of the row of this frame it came from
        (`_source_rows`), NaN where it came from none, so a stage that only
        keeps, reorders or smooths rows need not know about them."""
        if boxes is ... or world is ...:
            source = self._source_rows(np.asarray(landmarks, np.float32), tuple(ids))
            if boxes is ...:
                boxes = _rows_of(self.boxes, source)
            if world is ...:
                world = _rows_of(self.world, source)
        # valid None: all valid; boxes and world are arrays or None by now.
        return replace(self, landmarks=landmarks, ids=tuple(ids), valid=valid,  # type: ignore[arg-type]
                       boxes=boxes, world=world)  # type: ignore[arg-type]

    def _source_rows(self, landmarks: np.ndarray, ids: tuple[int, ...]) -> np.ndarray:
        """For each new row, the row of this frame it was made from: the same
        person ID where both have one, else identical landmarks (rows picked
        or reordered), else the same position where the rows are the same
        people in the same order (smoothed landmarks); -1 where none."""
        source = np.full(len(ids), -1, np.intp)
        if not len(ids) or self.people == 0:
            return source
        by_id = {pid: r for r, pid in enumerate(self.ids) if pid >= 0}
        new, old = landmarks[:, None, :, :5], self.landmarks[None]
        same = ((new == old) | (np.isnan(new) & np.isnan(old))).all(axis=(2, 3))
        same_rows = tuple(ids) == self.ids
        for r, pid in enumerate(ids):
            if pid >= 0 and pid in by_id:
                source[r] = by_id[pid]
            elif same[r].any():
                source[r] = int(np.argmax(same[r]))
            elif same_rows:
                source[r] = r
        return source

    def select(self, rows: list[int] | np.ndarray) -> PoseFrame:
        """A copy that keeps only the given person rows."""
        rows = list(rows)
        return self.with_people(self.landmarks[rows], tuple(self.ids[i] for i in rows),
                                self.valid[rows],
                                boxes=None if self.boxes is None else self.boxes[rows].reshape(-1, 5),
                                world=None if self.world is None else self.world[rows])
