"""Numbers to plot from poses: joint angles, mean confidence, throughput.

Qt-free. `SeriesBuffer` is a fixed-size ring of samples fed from one thread
(the GUI thread for the live source); `series_from_keypoints` builds the same
columns from a finished conversion's loaded keypoint file. The angles are
angles.py's (one definition for plots, report and CSV), unfiltered here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.analysis.angles import ANGLE_NAMES, angles_from_xy, masked_pixels
from app.base.nanstats import nan_span
from app.base.types import PoseFrame

MIN_VISIBILITY = 0.5


def main_person(landmarks: np.ndarray) -> int | None:
    """Row of the person with the largest landmark box (None if nobody)."""
    if landmarks.shape[0] == 0:
        return None
    xy = landmarks[:, :, :2]
    span = nan_span(xy, axis=1)  # a person with no valid point: NaN
    area = np.nan_to_num(span[:, 0] * span[:, 1], nan=-1.0)
    return int(np.argmax(area))


def pose_sample(pose: PoseFrame) -> tuple[np.ndarray, float]:
    """(angles of the main person, mean visibility over all people)."""
    row = main_person(pose.landmarks)
    if row is None:
        return np.full(len(ANGLE_NAMES), np.nan), float("nan")
    # Like the keypoint files: a landmark the model barely sees is no angle.
    valid = pose.valid[row] & (pose.landmarks[row, :, 3] >= MIN_VISIBILITY)
    xy = masked_pixels(pose.landmarks[row], valid, pose.width, pose.height)
    return angles_from_xy(xy), float(pose.landmarks[:, :, 3].mean())


@dataclass(frozen=True, eq=False)
class SeriesData:
    """Columns for the plots: times (s), angles (n, len(ANGLE_NAMES)),
    confidence (n,), throughput in fps (n,); and whose angles they are:
    the main person's ID per sample (-1: untracked or nobody) and how many
    people the frame had."""

    times: np.ndarray
    angles: np.ndarray
    confidence: np.ndarray
    throughput: np.ndarray
    subject_ids: np.ndarray | None = None
    people: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.times.shape[0])

    def subject(self) -> tuple[int, int]:
        """(the ID whose angles most samples show, or -1; the most people in a frame)."""
        if self.subject_ids is None or self.people is None or not len(self):
            return -1, 0
        most = int(np.max(self.people))
        tracked = self.subject_ids[self.subject_ids >= 0]
        if tracked.size == 0:
            return -1, most
        ids, counts = np.unique(tracked, return_counts=True)
        return int(ids[np.argmax(counts)]), most


def subject_words(data: SeriesData) -> str:
    """Whose angles the plot shows, for its caption ("" with one person)."""
    subject, most = data.subject()
    if most <= 1:
        return ""
    who = f"person #{subject}" if subject >= 0 else "the largest person"
    return f"Angles of {who}, the largest of up to {most} people"


class SeriesBuffer:
    """The newest `capacity` samples. Thread: one at a time."""

    def __init__(self, capacity: int = 600) -> None:
        self.capacity = capacity
        self._times = np.full(capacity, np.nan)
        self._angles = np.full((capacity, len(ANGLE_NAMES)), np.nan)
        self._confidence = np.full(capacity, np.nan)
        self._throughput = np.full(capacity, np.nan)
        self._subjects = np.full(capacity, -1, dtype=np.int64)
        self._people = np.zeros(capacity, dtype=np.int64)
        self._count = 0

    def __len__(self) -> int:
        return min(self._count, self.capacity)

    def clear(self) -> None:
        self.__init__(self.capacity)

    def add(self, time_s: float, pose: PoseFrame, throughput: float) -> None:
        i = self._count % self.capacity
        angles, confidence = pose_sample(pose)
        self._times[i], self._angles[i] = time_s, angles
        self._confidence[i], self._throughput[i] = confidence, throughput
        row = main_person(pose.landmarks)
        self._subjects[i] = -1 if row is None else pose.ids[row]
        self._people[i] = pose.people
        self._count += 1

    def snapshot(self) -> SeriesData:
        n = len(self)
        order = np.arange(self._count - n, self._count) % self.capacity
        return SeriesData(self._times[order], self._angles[order], self._confidence[order],
                          self._throughput[order], self._subjects[order], self._people[order])

    @property
    def last_time(self) -> float | None:
        return None if not self._count else float(self._times[(self._count - 1) % self.capacity])


def series_from_arrays(times: np.ndarray, arrays, width: int, height: int,
                       fps: float, ids=None) -> SeriesData:
    """Plot columns for a finished conversion, from what
    `app.media.keypoints.keypoints_to_arrays` reads (invalid points are NaN;
    `ids`: the person IDs per frame); throughput is the file's frame rate
    (frames per second of video), since processing speed is not saved."""
    angles = np.full((len(arrays), len(ANGLE_NAMES)), np.nan)
    confidence = np.full(len(arrays), np.nan)
    subjects = np.full(len(arrays), -1, dtype=np.int64)
    people = np.array([lm.shape[0] for lm in arrays], dtype=np.int64)
    for i, lm in enumerate(arrays):
        row = main_person(lm)
        if row is None:
            continue
        if ids is not None and row < len(ids[i]):
            subjects[i] = ids[i][row]
        angles[i] = angles_from_xy(masked_pixels(lm[row], np.isfinite(lm[row, :, 0]),
                                                 width, height))
        confidence[i] = float(np.nanmean(lm[:, :, 3]))
    return SeriesData(np.asarray(times, float), angles, confidence,
                      np.full(len(arrays), float(fps)), subjects, people)
