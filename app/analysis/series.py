"""Numbers to plot from poses: joint angles, mean confidence, throughput.

Qt-free. `SeriesBuffer` is a fixed-size ring of samples fed from one thread
(the GUI thread for the live source); `series_from_keypoints` builds the same
columns from a finished conversion's loaded keypoint file. The angles are
angles.py's (one definition for plots, report and CSV), unfiltered here.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from app.analysis.angles import ANGLE_NAMES, angles_from_xy, masked_pixels
from app.base.types import PoseFrame

MIN_VISIBILITY = 0.5


def main_person(landmarks: np.ndarray) -> int | None:
    """Row of the person with the largest landmark box (None if nobody)."""
    if landmarks.shape[0] == 0:
        return None
    xy = landmarks[:, :, :2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a person with no valid point
        span = np.nanmax(xy, axis=1) - np.nanmin(xy, axis=1)
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
    confidence (n,), throughput in fps (n,)."""

    times: np.ndarray
    angles: np.ndarray
    confidence: np.ndarray
    throughput: np.ndarray

    def __len__(self) -> int:
        return int(self.times.shape[0])


class SeriesBuffer:
    """The newest `capacity` samples. Thread: one at a time."""

    def __init__(self, capacity: int = 600) -> None:
        self.capacity = capacity
        self._times = np.full(capacity, np.nan)
        self._angles = np.full((capacity, len(ANGLE_NAMES)), np.nan)
        self._confidence = np.full(capacity, np.nan)
        self._throughput = np.full(capacity, np.nan)
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
        self._count += 1

    def snapshot(self) -> SeriesData:
        n = len(self)
        order = np.arange(self._count - n, self._count) % self.capacity
        return SeriesData(self._times[order], self._angles[order], self._confidence[order],
                          self._throughput[order])


def series_from_arrays(times: np.ndarray, arrays, width: int, height: int,
                       fps: float) -> SeriesData:
    """Plot columns for a finished conversion, from what
    `app.engine.keypoints.keypoints_to_arrays` reads (invalid points are NaN);
    throughput is the file's frame rate (frames per second of video), since
    processing speed is not saved."""
    angles = np.full((len(arrays), len(ANGLE_NAMES)), np.nan)
    confidence = np.full(len(arrays), np.nan)
    for i, lm in enumerate(arrays):
        row = main_person(lm)
        if row is None:
            continue
        angles[i] = angles_from_xy(masked_pixels(lm[row], np.isfinite(lm[row, :, 0]),
                                                 width, height))
        confidence[i] = float(np.nanmean(lm[:, :, 3]))
    return SeriesData(np.asarray(times, float), angles, confidence,
                      np.full(len(arrays), float(fps)))
