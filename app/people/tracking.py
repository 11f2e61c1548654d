"""Persistent person IDs across frames.

MediaPipe gives no identities when it looks for several people, and its row
order changes from frame to frame. `PersonTracker` matches each frame's
people to the tracks it knows by an optimal assignment (Hungarian method)
on a cost that is the mean distance between corresponding landmarks,
in units of person size (so the same gate works for a close-up patient
and a pedestrian 60 px tall), plus a penalty for a change of size. A track
that finds no match is kept for `memory_frames` frames, moving on with its
last velocity, so an ID survives a brief occlusion or a missed detection.
Unmatched people get new IDs from a counter: an ID is never reused within
one tracker (one video), and a scene cut ends every track.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.base.confidence import MIN_CONFIDENT_POINTS, box_points, confident_mask
from app.base.landmarks import INDEX, LANDMARK_NAMES, NUM_LANDMARKS
from app.base.types import PoseFrame

_BIG = 1e9


def assign(cost: np.ndarray, max_cost: float = np.inf) -> list[tuple[int, int]]:
    """Minimum-cost one-to-one assignment of rows to columns (Hungarian /
    Kuhn-Munkres with potentials, O(n^2 m)); pairs costing more than
    `max_cost` are dropped. Works for any rectangular shape."""
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
    return sorted((r, col) for r, col in pairs if cost[r, col] <= max_cost)


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

    def __post_init__(self) -> None:
        if self.memory_frames < 0:
            raise ValueError("memory must be 0 frames or more")
        if self.max_cost <= 0:
            raise ValueError("the matching gate must be positive")


class _Track:
    __slots__ = ("id", "points", "weights", "size", "velocity", "time_s", "missed")

    def __init__(self, track_id: int, points: np.ndarray, weights: np.ndarray,
                 size: float, time_s: float) -> None:
        self.id = track_id
        self.points, self.weights, self.size = points, weights, size
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


class PersonTracker:
    """Gives each person a persistent ID. One instance per video, used from
    one thread; frames must come in display order."""

    def __init__(self, options: TrackerOptions = TrackerOptions()) -> None:
        self.options = options
        self._tracks: list[_Track] = []
        self._next_id = 0

    @property
    def active_ids(self) -> list[int]:
        """IDs of tracks still remembered (seen within the memory)."""
        return [t.id for t in self._tracks]

    def cost_matrix(self, pose: PoseFrame, points: np.ndarray, weights: np.ndarray,
                    sizes: np.ndarray) -> np.ndarray:
        """(tracks, people) matching costs in person sizes."""
        cost = np.full((len(self._tracks), pose.people), np.inf)
        for t, track in enumerate(self._tracks):
            pred = track.predicted(pose.time_s)
            for d in range(pose.people):
                # MediaPipe sometimes swaps left and right on small or
                # back-facing people: a swapped copy is still the same person.
                best = min(_landmark_distance(pred, track.weights, points[d][order],
                                              weights[d][order])
                           for order in (_SAME, _MIRRORED))
                scale = max(track.size, sizes[d])
                cost[t, d] = (best / scale
                              + self.options.size_weight * abs(np.log(sizes[d] / track.size)))
            # The longer a track is unseen, the less sure its predicted place.
            cost[t] /= 1.0 + self.options.gate_growth * track.missed
        return cost

    def new_shot(self) -> None:
        """A scene cut: every track ends, so no ID is given across it (the
        counter goes on: IDs are never reused within one video)."""
        self._tracks = []

    def update(self, pose: PoseFrame) -> PoseFrame:
        """The frame with an ID on every person, rows sorted by ID. A frame
        marked `scene_cut` starts a new shot (`new_shot`)."""
        if pose.scene_cut:
            self.new_shot()
        opts = self.options
        points = pose.pixels().astype(np.float64)
        conf = confident_mask(pose.landmarks, opts.min_confidence) & pose.valid
        weights = conf.astype(np.float64)
        sizes = np.array([person_size(points[d], conf[d]) for d in range(pose.people)])
        cost = self.cost_matrix(pose, points, weights, sizes)
        pairs = assign(cost, opts.max_cost)
        ids = [-1] * pose.people
        matched_tracks = set()
        for t, d in pairs:
            track = self._tracks[t]
            dt = pose.time_s - track.time_s
            if dt > 0:
                w = np.minimum(track.weights, weights[d])
                if w.sum() < MIN_CONFIDENT_POINTS:
                    w = np.ones(len(w))
                step = (_centre(points[d], w) - _centre(track.points, w)) / dt
                track.velocity = 0.5 * track.velocity + 0.5 * step
            track.points, track.weights, track.size = points[d], weights[d], sizes[d]
            track.time_s, track.missed = pose.time_s, 0
            ids[d] = track.id
            matched_tracks.add(t)
        kept = []
        for t, track in enumerate(self._tracks):
            if t not in matched_tracks:
                track.missed += 1
                if track.missed > opts.memory_frames:
                    continue  # lost: its ID is retired for good
            kept.append(track)
        for d in range(pose.people):
            if ids[d] < 0:
                ids[d] = self._next_id
                kept.append(_Track(self._next_id, points[d], weights[d], sizes[d], pose.time_s))
                self._next_id += 1
        self._tracks = kept
        order = sorted(range(pose.people), key=lambda d: ids[d])
        return pose.with_people(pose.landmarks[order], tuple(ids[d] for d in order),
                                pose.valid[order])
