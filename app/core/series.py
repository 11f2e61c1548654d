"""Numbers to plot from poses: joint angles, mean confidence, throughput.

Qt-free. `SeriesBuffer` is a fixed-size ring of samples fed from one thread
(the GUI thread for the live source); `series_from_keypoints` builds the same
columns from a finished conversion's keypoint file.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.core.landmarks import JOINT_ANGLES
from app.core.types import PoseFrame

ANGLE_NAMES: tuple[str, ...] = tuple(name for name, _ in JOINT_ANGLES)
MIN_VISIBILITY = 0.5
_TRIPLES = np.array([t for _, t in JOINT_ANGLES], dtype=int)  # (angles, 3)


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


def angles_of(person: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """Degrees at each JOINT_ANGLES vertex for one person (33, >=2) in image
    coordinates; NaN where a point is invalid."""
    xy = person[:, :2].astype(np.float64)
    if valid is not None:
        xy = np.where(valid[:, None], xy, np.nan)
    a, v, b = xy[_TRIPLES[:, 0]], xy[_TRIPLES[:, 1]], xy[_TRIPLES[:, 2]]
    u, w = a - v, b - v
    with np.errstate(invalid="ignore", divide="ignore"):  # NaN where a point is missing
        cos = (u * w).sum(axis=1) / (np.linalg.norm(u, axis=1) * np.linalg.norm(w, axis=1))
        return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def pose_sample(pose: PoseFrame) -> tuple[np.ndarray, float]:
    """(angles of the main person, mean visibility over all people)."""
    row = main_person(pose.landmarks)
    if row is None:
        return np.full(len(ANGLE_NAMES), np.nan), float("nan")
    # Angles in pixels, so a non-square frame does not bend them.
    person = pose.landmarks[row].copy()
    person[:, 0] *= pose.width
    person[:, 1] *= pose.height
    # Like the keypoint files: a landmark the model barely sees is no angle.
    angles = angles_of(person, pose.valid[row] & (pose.landmarks[row, :, 3] >= MIN_VISIBILITY))
    return angles, float(pose.landmarks[:, :, 3].mean())


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


def series_from_keypoints(path: Path) -> SeriesData:
    """Plot columns for a keypoint JSON file; throughput is the file's frame
    rate (frames per second of video), since processing speed is not saved."""
    from app.core.keypoints import keypoints_to_arrays, read_keypoints
    data = read_keypoints(path)
    width, height = data["video"]["width"], data["video"]["height"]
    times, _ids, arrays = keypoints_to_arrays(data)
    angles = np.full((len(arrays), len(ANGLE_NAMES)), np.nan)
    confidence = np.full(len(arrays), np.nan)
    for i, lm in enumerate(arrays):
        row = main_person(lm)
        if row is None:
            continue
        person = lm[row].astype(np.float64)
        person[:, 0] *= width
        person[:, 1] *= height
        angles[i] = angles_of(person)
        confidence[i] = float(np.nanmean(lm[:, :, 3]))
    fps = np.full(len(arrays), float(data["video"]["fps"]))
    return SeriesData(times, angles, confidence, fps)
