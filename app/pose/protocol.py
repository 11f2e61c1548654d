"""The interfaces the pose layer's estimators share, as Protocols: code that
runs "a pose estimator" (the pipeline, the live loop, the chunked passes)
is typed against these, not against one class.

Implemented by PoseEstimator (app/pose/estimator.py), TiledPoseEstimator
(app/pose/tiles.py), GatedPoseEstimator (app/pose/gate.py),
PersonCheckedEstimator (app/pose/person_check.py) and ShotEstimator
(app/engine/shot_estimator.py); tests/test_pose_protocol.py checks each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

import numpy as np

from app.pose.devices import RanOn


@runtime_checkable
class PoseEstimating(Protocol):
    """Finds people's landmarks in RGB frames. Thread: the one that made
    it; the caller closes it."""

    def detect(self, rgb: np.ndarray, timestamp_ms: int | None = None) -> np.ndarray:
        """Landmarks (people, 33, DETECTION_COLUMNS) in one RGB uint8 frame:
        X..PRESENCE normalised to it, then the world x, y, z (app/base/types.py).
        In VIDEO mode `timestamp_ms` must grow (a repeat is bumped by 1 ms)."""
        ...

    @property
    def ran_on(self) -> RanOn:
        """What its landmarkers ran on (app/pose/devices.py)."""
        ...

    def close(self) -> None:
        """Lets go of its landmarkers; `ran_on` stays readable."""
        ...


# Makes a new estimator on the calling thread (one per worker or shot).
EstimatorFactory = Callable[[], PoseEstimating]

# The person detector's interface, `PersonDetector`, is beside its one
# implementation in app/pose/person_detector.py.
