"""Persistent person IDs across frames.

MediaPipe gives no identities when it looks for several people, and its row
order changes from frame to frame. `PersonTracker` matches each frame's
people to the tracks it knows by an optimal assignment (Hungarian method)
on a cost that is the mean distance between corresponding landmarks,
in units of person size (so the same gate works for a close-up patient
and a pedestrian 60 px tall), plus a penalty for a change of size. A track
that finds no match is kept for `memory_frames` frames, moving on with its
last velocity, so an ID survives a brief occlusion or a missed detection.
A person whose posture changes fast at one place (standing in one frame,
on the floor half a second later: a fall) moves every landmark too far for
that cost, so a second cost is allowed beside it, the smaller one counting:
the distance between the two bodies' centres (mid-hip, else the middle of
the person's box: the detector's box where the frame has one, else the
landmarks' extent) in person sizes, plus POSTURE_CHANGE_COST, with no size
penalty (a body lying towards the camera looks a third of its standing
height). The centre of the body moves least when it falls; the fixed
penalty keeps the landmark cost first between people who merely walk past
one another. A track's velocity comes only from frames seen one after the
other: a jump across a gap (the person lost while falling) is not a speed
to carry on with.
Unmatched people get new IDs from a counter: an ID is never reused within
one tracker (one video), and a scene cut ends every track. Two detections
of one person in one frame (MediaPipe's, or two tiles' that survived the
merge) would take two IDs and draw two skeletons: the weaker is dropped
before matching (`duplicates`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.base.confidence import MIN_CONFIDENT_POINTS, box_points, confident_mask
from app.base.landmarks import INDEX, LANDMARK_NAMES, NUM_LANDMARKS
from app.base.types import PoseFrame

_BIG = 1e9
POSTURE_CHANGE_COST = 0.2  # person sizes added to the centre-distance cost
_HIPS = (INDEX["left_hip"], INDEX["right_hip"])


def assign(cost: np.ndarray, max_cost: float = np.inf) -> list[tuple[int, int]]:
    """Minimum-cost one-to-one assignment of rows to columns (Hungarian /
    Kuhn-Munkres with potentials, O(n^2 m)); pairs costing more than
    `max_cost`, or inf (not allowed), are dropped. Works for any
    rectangular shape."""
    cost = np.asarray(cost, np.float64)
    if cost.size == 0:
        return []
    transposed = cost.shape[0] > cost.shape[1]
    c = cost.T if transposed else cost
    c = np.where(np.isfinite(c), c, _BIG)
    n, m = c.shape  # n <= m
    u, v = np.zeros(n + 1), np.zeros(m + 1)
    p = np.zeros(m + 1, int)  # p[j]: row matched to column j (1-based, 0 = none)
    way = np.zeros(m + 1, int)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = np.full(m + 1, np.inf)
        used = np.zeros(m + 1, bool)
        while True:
            used[j0] = True
            i0 = p[j0]
            free = ~used[1:]
            cur = c[i0 - 1] - u[i0] - v[1:]
            better = free & (cur < minv[1:])
            minv[1:][better] = cur[better]
            way[1:][better] = j0
            cand = np.where(free, minv[1:], np.inf)
            j1 = int(np.argmin(cand)) + 1
            delta = cand[j1 - 1]
            u[p[used]] += delta
            v[used] -= delta
            minv[1:][free] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
    pairs = [(int(p[j]) - 1, j - 1) for j in range(1, m + 1) if p[j]]
    if transposed:
        pairs = [(b, a) for a, b in pairs]
    return sorted((r, col) for r, col in pairs
                  if np.isfinite(cost[r, col]) and cost[r, col] <= max_cost)


def person_size(points: np.ndarray, confident: np.ndarray) -> float:
    """A person's size in pixels: the longer side of the box around their
    confident landmarks (all landmarks when fewer than three are confident)."""
    pts = box_points(points, confident)
    span = pts.max(axis=0) - pts.min(axis=0)
    return float(max(span.max(), 1.0))


@dataclass(frozen=True)
class TrackerOptions:
    memory_frames: int = 10  # an unmatched track is kept this many frames
    max_cost: float = 0.6  # matching gate, in person sizes
    size_weight: float = 0.5  # cost of a size change (per unit of |log ratio|)
    min_confidence: float = 0.5  # landmarks used for matching and sizes
    gate_growth: float = 0.25  # the gate widens by this share per missed frame
    # Two detections in one frame closer than this (mean landmark distance in
    # person sizes) are one person seen twice (MediaPipe, or two tiles): the
    # weaker is dropped. 0 keeps every detection.
    duplicate_distance: float = 0.2
    # A track unseen for longer than the memory is no longer matched first,
    # but kept this long for a newcomer at its predicted place (someone who
    # was hidden behind another walker for a while). 0 drops it at once.
    reidentify_s: float = 2.0

    def __post_init__(self) -> None:
        if self.memory_frames < 0:
            raise ValueError("memory must be 0 frames or more")
        if self.max_cost <= 0:
            raise ValueError("the matching gate must be positive")


def body_centre(points: np.ndarray, confident: np.ndarray, box: np.ndarray | None) -> np.ndarray:
    """The point of a person that moves least when their posture changes:
    the middle of the hips where both are confident, else the middle of
    `box` (pixels x0, y0, x1, y1, NaN: none), else of the landmarks' box."""
    hips = list(_HIPS)
    if confident[hips].all():
        return points[hips].mean(axis=0)
    if box is not None and np.isfinite(box[:4]).all():
        return np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])
    pts = box_points(points, confident)
    return (pts.min(axis=0) + pts.max(axis=0)) / 2


def frame_boxes(pose: PoseFrame) -> list[np.ndarray | None]:
    """Each person's detector box in pixels (x0, y0, x1, y1), or None: from
    `pose.boxes` (people, 5) normalised, where the frame has them."""
    boxes = getattr(pose, "boxes", None)
    if boxes is None or len(boxes) != pose.people:
        return [None] * pose.people
    scale = np.array([pose.width, pose.height, pose.width, pose.height], np.float64)
    return [np.asarray(b[:4], np.float64) * scale for b in boxes]


class _Track:
    __slots__ = ("id", "points", "weights", "size", "velocity", "time_s", "missed", "centre")

    def __init__(self, track_id: int, points: np.ndarray, weights: np.ndarray,
                 size: float, time_s: float, centre: np.ndarray) -> None:
        self.id = track_id
        self.points, self.weights, self.size = points, weights, size
        self.centre = centre
        self.velocity = np.zeros(2)  # px/s of the confident landmarks' centre
        self.time_s = time_s
        self.missed = 0

    def predicted(self, time_s: float) -> np.ndarray:
        dt = min(max(time_s - self.time_s, 0.0), 1.0)  # never extrapolate far
        return self.points + self.velocity * dt


# Landmark order as is, and with left and right swapped.
_SAME = np.arange(NUM_LANDMARKS)
_MIRRORED = np.array([INDEX[n.replace("left", "@").replace("right", "left").replace("@", "right")]
                      for n in LANDMARK_NAMES])


def _landmark_distance(a: np.ndarray, wa: np.ndarray, b: np.ndarray, wb: np.ndarray) -> float:
    """Mean distance between corresponding landmarks both sides trust (all
    landmarks when they share too few)."""
    w = np.minimum(wa, wb)
    if w.sum() < MIN_CONFIDENT_POINTS:
        w = np.ones_like(w)
    return float((w * np.linalg.norm(a - b, axis=1)).sum() / w.sum())


def _centre(points: np.ndarray, weights: np.ndarray) -> np.ndarray:
    total = weights.sum()
    if total <= 1e-6:
        return points.mean(axis=0)
    return (points * weights[:, None]).sum(axis=0) / total


def _pair_distance(a: np.ndarray, wa: np.ndarray, b: np.ndarray, wb: np.ndarray) -> float:
    """Landmark distance of two detections, the smaller of as-is and with
    left and right swapped (MediaPipe swaps sides on small people)."""
    return min(_landmark_distance(a, wa, b[order], wb[order]) for order in (_SAME, _MIRRORED))


def duplicates(points: np.ndarray, weights: np.ndarray, sizes: np.ndarray,
               presence: np.ndarray, max_distance: float) -> list[int]:
    """Rows that repeat a stronger detection of the same person in one frame
    (nearer than `max_distance` person sizes); the stronger one has more
    confident landmarks, then the higher mean presence."""
    n = len(points)
    if n < 2 or max_distance <= 0:
        return []
    strength = sorted(range(n), key=lambda d: (-weights[d].sum(), -presence[d]))
    kept: list[int] = []
    dropped = []
    for d in strength:
        if any(_pair_distance(points[k], weights[k], points[d], weights[d])
               < max_distance * max(sizes[k], sizes[d]) for k in kept):
            dropped.append(d)
        else:
            kept.append(d)
    return sorted(dropped)


class PersonTracker:
    """Gives each person a persistent ID. One instance per video, used from
    one thread; frames must come in display order."""

    def __init__(self, options: TrackerOptions = TrackerOptions()) -> None:
        self.options = options
        self._tracks: list[_Track] = []
        self._lost: list[_Track] = []  # unseen beyond the memory, kept to re-identify
        self._next_id = 0

    @property
    def active_ids(self) -> list[int]:
        """IDs of tracks still remembered (seen within the memory)."""
        return [t.id for t in self._tracks]

    def cost_matrix(self, pose: PoseFrame, points: np.ndarray, weights: np.ndarray,
                    sizes: np.ndarray, tracks: list[_Track] | None = None,
                    centres: np.ndarray | None = None) -> np.ndarray:
        """(tracks, people) matching costs in person sizes: the distance to
        each track's predicted place (landmarks, or the body's centre after
        a change of posture), inf beyond its gate."""
        tracks = self._tracks if tracks is None else tracks
        opts = self.options
        cost = np.full((len(tracks), pose.people), np.inf)
        for t, track in enumerate(tracks):
            pred = track.predicted(pose.time_s)
            for d in range(pose.people):
                # MediaPipe sometimes swaps left and right on small or
                # back-facing people: a swapped copy is still the same person.
                best = _pair_distance(pred, track.weights, points[d], weights[d])
                scale = max(track.size, sizes[d])
                cost[t, d] = (best / scale
                              + opts.size_weight * abs(np.log(sizes[d] / track.size)))
                if centres is not None:
                    # Not moved on with the velocity: that of a body
                    # going down is no speed to carry on with.
                    moved = np.linalg.norm(track.centre - centres[d])
                    cost[t, d] = min(cost[t, d], POSTURE_CHANGE_COST + moved / scale)
            # The longer a track is unseen, the less sure its predicted place,
            # so the wider its gate (up to the memory: a lost track's gate
            # grows no more). Only the gate: within it, tracks compete on
            # distance alone. (Dividing the cost instead let a walker hidden
            # for ten frames behind another take the visible one's detection
            # from its own track: the two IDs swapped at a crossing.)
            gate = opts.max_cost * (1.0 + opts.gate_growth * min(track.missed,
                                                                 opts.memory_frames))
            cost[t, cost[t] > gate] = np.inf
        return cost

    def new_shot(self) -> None:
        """A scene cut: every track ends, so no ID is given across it (the
        counter goes on: IDs are never reused within one video)."""
        self._tracks = []
        self._lost = []

    @staticmethod
    def _follow(track: _Track, pose: PoseFrame, points: np.ndarray, weights: np.ndarray,
                size: float, centre: np.ndarray) -> None:
        """Moves `track` to a matched detection, updating its velocity (only
        between frames seen one after the other: across a gap it stops)."""
        dt = pose.time_s - track.time_s
        if track.missed:
            track.velocity = np.zeros(2)
        elif dt > 0:
            w = np.minimum(track.weights, weights)
            if w.sum() < MIN_CONFIDENT_POINTS:
                w = np.ones(len(w))
            step = (_centre(points, w) - _centre(track.points, w)) / dt
            track.velocity = 0.5 * track.velocity + 0.5 * step
        track.points, track.weights, track.size = points, weights, size
        track.time_s, track.missed, track.centre = pose.time_s, 0, centre

    def _reidentify(self, pose: PoseFrame, points: np.ndarray, weights: np.ndarray,
                    sizes: np.ndarray, ids: list[int], centres: np.ndarray) -> list[_Track]:
        """Gives lost tracks back to the people no active track took, when
        they stand where the lost track was heading; fills `ids`."""
        free = [d for d in range(pose.people) if ids[d] < 0]
        if not free or not self._lost:
            return []
        cost = self.cost_matrix(pose, points, weights, sizes, self._lost, centres)[:, free]
        revived = []
        for t, k in assign(cost):
            track, d = self._lost[t], free[k]
            self._follow(track, pose, points[d], weights[d], sizes[d], centres[d])
            ids[d] = track.id
            revived.append(track)
        return revived

    def update(self, pose: PoseFrame) -> PoseFrame:
        """The frame with an ID on every person, rows sorted by ID. A frame
        marked `scene_cut` starts a new shot (`new_shot`)."""
        if pose.scene_cut:
            self.new_shot()
        opts = self.options
        if pose.people > 1 and opts.duplicate_distance > 0:
            conf = confident_mask(pose.landmarks, opts.min_confidence) & pose.valid
            points = pose.pixels().astype(np.float64)
            sizes = np.array([person_size(points[d], conf[d]) for d in range(pose.people)])
            extra = duplicates(points, conf.astype(np.float64), sizes,
                               pose.landmarks[:, :, 4].mean(axis=1), opts.duplicate_distance)
            if extra:
                pose = pose.select([d for d in range(pose.people) if d not in extra])
        points = pose.pixels().astype(np.float64)
        conf = confident_mask(pose.landmarks, opts.min_confidence) & pose.valid
        weights = conf.astype(np.float64)
        sizes = np.array([person_size(points[d], conf[d]) for d in range(pose.people)])
        boxes = frame_boxes(pose)
        centres = np.array([body_centre(points[d], conf[d], boxes[d])
                            for d in range(pose.people)]).reshape(-1, 2)
        cost = self.cost_matrix(pose, points, weights, sizes, centres=centres)
        pairs = assign(cost)
        ids = [-1] * pose.people
        matched_tracks = set()
        for t, d in pairs:
            self._follow(self._tracks[t], pose, points[d], weights[d], sizes[d], centres[d])
            ids[d] = self._tracks[t].id
            matched_tracks.add(t)
        revived = self._reidentify(pose, points, weights, sizes, ids, centres)
        kept = list(revived)
        for t, track in enumerate(self._tracks):
            if t not in matched_tracks:
                track.missed += 1
                if track.missed > opts.memory_frames:
                    if opts.reidentify_s > 0:
                        self._lost.append(track)
                    continue  # lost: its ID is retired unless re-identified
            kept.append(track)
        for d in range(pose.people):
            if ids[d] < 0:
                ids[d] = self._next_id
                kept.append(_Track(self._next_id, points[d], weights[d], sizes[d], pose.time_s,
                                   centres[d]))
                self._next_id += 1
        self._tracks = kept
        self._lost = [t for t in self._lost
                      if pose.time_s - t.time_s <= opts.reidentify_s and t not in revived]
        order = sorted(range(pose.people), key=lambda d: ids[d])
        return pose.with_people(pose.landmarks[order], tuple(ids[d] for d in order),
                                pose.valid[order])
