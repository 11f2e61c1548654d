"""Per-person tracks: the landmarks of each tracked person over time, in
pixels, NaN where not valid. Built frame by frame (`TrackBuilder.add`), so
the pipeline feeds it the frames it already has and nothing is re-read.

Memory: about 300 bytes per person per frame (33 points x 2 x float32 plus
time and confidence), e.g. 30 MB for one person seen for an hour at 30 fps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.analysis.activity import core_visibility
from app.analysis.angles import masked_pixels
from app.base.types import PoseFrame


class TimeSpan:
    """First and last time of a value with `times` (s), for tracks and analyses."""

    times: np.ndarray

    @property
    def first_s(self) -> float:
        return float(self.times[0])

    @property
    def last_s(self) -> float:
        return float(self.times[-1])


@dataclass(frozen=True, eq=False)
class PersonTrack(TimeSpan):
    """One person: times (n,), xy (n, 33, 2) pixels (NaN = not valid) and
    confidence (n,), the mean visibility of the points activity and falls
    rest on (activity.CORE_POINTS)."""

    person_id: int
    times: np.ndarray
    xy: np.ndarray
    confidence: np.ndarray

    def __len__(self) -> int:
        return int(self.times.shape[0])


@dataclass
class _Growing:
    times: list[float] = field(default_factory=list)
    xy: list[np.ndarray] = field(default_factory=list)
    confidence: list[float] = field(default_factory=list)


class TrackBuilder:
    """Collects tracks from frames in display order. Thread: one at a time."""

    def __init__(self) -> None:
        self._people: dict[int, _Growing] = {}
        self.frame_times: list[float] = []
        self.width = self.height = 0

    def add(self, pose: PoseFrame, valid: np.ndarray | None = None) -> None:
        """One frame; `valid` (people, 33) is what was drawn and exported as
        valid (default: the pose's own mask)."""
        valid = pose.valid if valid is None else valid
        self.width, self.height = pose.width, pose.height
        self.add_arrays(pose.time_s, pose.ids, pose.landmarks, valid, pose.width, pose.height)

    def add_arrays(self, time_s: float, ids, landmarks: np.ndarray, valid: np.ndarray,
                   width: int, height: int) -> None:
        self.frame_times.append(float(time_s))
        self.width, self.height = width, height
        if len(ids) == 0:
            return
        xy = masked_pixels(landmarks, valid, width, height).astype(np.float32)
        vis = core_visibility(landmarks)
        for row, pid in enumerate(ids):
            if pid < 0:
                continue  # untracked: no identity to follow over time
            g = self._people.setdefault(int(pid), _Growing())
            g.times.append(float(time_s))
            g.xy.append(xy[row])
            g.confidence.append(float(vis[row]))

    def tracks(self) -> list[PersonTrack]:
        return [PersonTrack(pid, np.asarray(g.times), np.stack(g.xy), np.asarray(g.confidence))
                for pid, g in sorted(self._people.items())]


def builder_from_arrays(times, ids, arrays, width: int, height: int) -> TrackBuilder:
    """A builder filled from `app.media.keypoints.keypoints_to_arrays` output
    (invalid points are NaN there)."""
    builder = TrackBuilder()
    for t, frame_ids, lm in zip(times, ids, arrays):
        valid = np.isfinite(lm[:, :, 0]) & np.isfinite(lm[:, :, 1])
        builder.add_arrays(float(t), frame_ids, np.nan_to_num(lm), valid, width, height)
    builder.width, builder.height = width, height
    return builder
