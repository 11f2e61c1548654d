"""Per-person post-processing between pose estimation and rendering/export.

Runs sequentially over frames in display order (after chunks are joined), so
person IDs and smoothing are continuous across the whole video. The steps,
in this order:

1. track: persistent IDs (app/people/tracking.py); a frame marked
   `scene_cut` ends every track, so later steps, which key on IDs, never
   join two shots either. Everything after it keys on IDs, so it comes first.
2. interpolate: fill a landmark's (or a whole person's) gap shorter than
   `interpolate_gaps` frames between two confident frames. Before smoothing,
   so the filter sees a continuous signal instead of a jump back from a
   guessed or missing point.
3. smooth: One-Euro filter per landmark per person (app/people/smoothing.py).
4. filter: hide excluded IDs, or keep only the main subject. Last, so IDs
   and filters are the same whichever people the user hides (hiding a
   person never renumbers or re-smooths anyone else).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from app.base.confidence import box_points, confident_mask
from app.base.settings import PeopleSettings
from app.base.types import DETECTION_COLUMNS, WX, PoseFrame
from app.people.smoothing import PoseSmoother, params_for_strength
from app.people.tracking import PersonTracker, TrackerOptions


def _box_area(landmarks: np.ndarray, confident: np.ndarray) -> float:
    xy = box_points(landmarks[:, :2], confident)
    span = xy.max(axis=0) - xy.min(axis=0)
    return float(span[0] * span[1])


# --------------------------------------------------------------------------
# gap interpolation


def _detection_rows(pose: PoseFrame) -> np.ndarray:
    """(people, 33, 8): landmarks and world landmarks side by side, so a gap
    is filled in both alike."""
    return np.concatenate([pose.landmarks, pose.world_or_nan()], axis=2)


class _Buffered:
    """A frame held for look-ahead, as editable rows keyed by person ID
    (detection rows, _detection_rows)."""

    __slots__ = ("pose", "rows")

    def __init__(self, pose: PoseFrame) -> None:
        self.pose = pose
        rows = _detection_rows(pose)
        self.rows: dict[int, list[np.ndarray]] = {
            pid: [rows[r], pose.valid[r].copy()] for r, pid in enumerate(pose.ids)}

    def frozen(self) -> PoseFrame:
        ids = sorted(self.rows)
        if not ids:
            return self.pose
        rows = np.stack([self.rows[i][0] for i in ids])
        return self.pose.with_people(rows[..., :WX], tuple(ids),
                                     np.stack([self.rows[i][1] for i in ids]),
                                     world=None if self.pose.world is None else rows[..., WX:])


class _Seen:
    """What the filler remembers of one person: their last row, and per
    landmark the last frame and values where it was confident."""

    __slots__ = ("row_frame", "row", "conf_frame", "conf_values")

    def __init__(self) -> None:
        self.row_frame = -1
        self.row = np.zeros((0,))
        self.conf_frame = np.full(33, -(10 ** 9))
        self.conf_values = np.zeros((33, DETECTION_COLUMNS), np.float32)


class GapFiller:
    """Fills gaps shorter than `max_gap` frames by linear interpolation.

    A gap is a run of frames where a tracked person's landmark was not
    confident (below `min_confidence`, or not valid), or where the person was
    not found at all, between two frames where it was. Filled landmarks get
    interpolated positions and confidences (both ends were confident, so the
    values are too) and valid = True; a gap of `max_gap` frames or more is
    left alone, so those landmarks stay invalid in the export and undrawn.
    A missing person's row is added back in a short gap (landmarks valid
    only where both ends were confident).

    Frames come out `max_gap - 1` frames late (the look-ahead), in order.
    """

    def __init__(self, max_gap: int, min_confidence: float = 0.5) -> None:
        self.max_gap = max_gap
        self.min_confidence = min_confidence
        self._buffer: deque[_Buffered] = deque()
        self._count = 0  # frames pushed so far = number of the next frame
        self._seen: dict[int, _Seen] = {}

    @property
    def delay(self) -> int:
        return max(0, self.max_gap - 1)

    def _frame(self, number: int) -> _Buffered:
        return self._buffer[number - (self._count - len(self._buffer))]

    def push(self, pose: PoseFrame) -> list[PoseFrame]:
        if self.max_gap <= 1:
            return [pose]
        now = self._count
        self._buffer.append(_Buffered(pose))
        self._count += 1
        conf = confident_mask(pose.landmarks, self.min_confidence) & pose.valid
        detection_rows = _detection_rows(pose)
        for r, pid in enumerate(pose.ids):
            if pid < 0:
                continue
            seen = self._seen.setdefault(pid, _Seen())
            lm = detection_rows[r]
            gap = now - seen.row_frame - 1
            if seen.row_frame >= 0 and 1 <= gap < self.max_gap:
                # The person was missing: put rows back, valid only where filled below.
                for k, f in enumerate(range(seen.row_frame + 1, now), 1):
                    t = k / (gap + 1)
                    row = (1 - t) * seen.row + t * lm
                    self._frame(f).rows[pid] = [row.astype(np.float32), np.zeros(33, bool)]
            gaps = now - seen.conf_frame - 1
            fill = conf[r] & (gaps >= 1) & (gaps < self.max_gap)
            for i in np.flatnonzero(fill):
                start = int(seen.conf_frame[i])
                for f in range(start + 1, now):
                    row = self._frame(f).rows.get(pid)
                    if row is None:
                        continue
                    t = (f - start) / (now - start)
                    row[0][i] = (1 - t) * seen.conf_values[i] + t * lm[i]
                    row[1][i] = True
            seen.conf_frame[conf[r]] = now
            seen.conf_values[conf[r]] = lm[conf[r]]
            seen.row_frame, seen.row = now, lm.copy()
        for pid in [p for p, s in self._seen.items() if now - s.row_frame >= self.max_gap]:
            del self._seen[pid]
        out = []
        while len(self._buffer) > self.delay:
            out.append(self._buffer.popleft().frozen())
        return out

    def flush(self) -> list[PoseFrame]:
        out = [b.frozen() for b in self._buffer]
        self._buffer.clear()
        return out


# --------------------------------------------------------------------------
# the processor


class PeopleProcessor:
    """Stateful: one instance per video (or live session), used from one thread.

    `push` takes frames in display order and returns the frames that are
    ready (possibly fewer, later: gap interpolation looks ahead); `flush`
    returns the rest at the end. Output order and count equal the input's.
    """

    def __init__(self, options: PeopleSettings = PeopleSettings(), fps: float = 30.0,
                 min_confidence: float = 0.5) -> None:
        """`min_confidence` is the settings' one threshold
        (SkeletonSettings.min_confidence): below it a landmark counts as
        unseen for tracking, gap filling and the main subject's size."""
        self.options = options
        self.fps = fps
        self.min_confidence = min_confidence
        self.tracker = self._make_tracker(options)
        self.gaps = GapFiller(options.interpolate_gaps, min_confidence)
        self.smoother = self._make_smoother(options)
        self._main_id: int | None = None

    def _make_tracker(self, options: PeopleSettings) -> PersonTracker:
        return PersonTracker(TrackerOptions(memory_frames=options.track_memory,
                                            min_confidence=self.min_confidence))

    def _make_smoother(self, options: PeopleSettings) -> PoseSmoother | None:
        params = params_for_strength(options.smoothing)
        return (PoseSmoother(params, self.fps, memory_frames=options.track_memory,
                             min_confidence=self.min_confidence)
                if params is not None else None)

    def reconfigure(self, options: PeopleSettings, min_confidence: float | None = None) -> None:
        """Takes new options between frames, rebuilding only the stages they
        change: hiding someone or switching "main subject only" keeps every
        ID, so a person excluded by ID in the live preview stays excluded."""
        old, self.options = self.options, options
        old_conf = self.min_confidence
        if min_confidence is not None:
            self.min_confidence = min_confidence
        if (options.track_memory, self.min_confidence) != (old.track_memory, old_conf):
            self.tracker = self._make_tracker(options)
        if (options.interpolate_gaps, self.min_confidence) != (old.interpolate_gaps, old_conf):
            self.gaps = GapFiller(options.interpolate_gaps, self.min_confidence)
        if (options.smoothing, options.track_memory, self.min_confidence) != (
                old.smoothing, old.track_memory, old_conf):
            self.smoother = self._make_smoother(options)

    def push(self, pose: PoseFrame) -> list[PoseFrame]:
        return [self._finish(p) for p in self.gaps.push(self.tracker.update(pose))]

    def flush(self) -> list[PoseFrame]:
        return [self._finish(p) for p in self.gaps.flush()]

    def _finish(self, pose: PoseFrame) -> PoseFrame:
        if self.smoother is not None:
            pose = self.smoother.apply(pose)
        return self._filter(pose)

    def _filter(self, pose: PoseFrame) -> PoseFrame:
        keep = [i for i in range(pose.people) if pose.ids[i] not in self.options.exclude_ids]
        if self.options.only_largest and keep:
            keep = [self._main_subject(pose, keep)]
        return pose if len(keep) == pose.people else pose.select(keep)

    def _main_subject(self, pose: PoseFrame, rows: list[int]) -> int:
        """The largest person; the current main subject stays while they are
        at least half the largest's size, so a passer-by does not take over
        for a frame or two."""
        conf = confident_mask(pose.landmarks, self.min_confidence) & pose.valid
        areas = {r: _box_area(pose.landmarks[r], conf[r]) for r in rows}
        largest = max(rows, key=lambda r: areas[r])
        current = next((r for r in rows if pose.ids[r] == self._main_id), None)
        if current is not None and areas[current] >= 0.5 * areas[largest]:
            return current
        self._main_id = pose.ids[largest]
        return largest
