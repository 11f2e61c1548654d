"""A landmarker that starts afresh at every scene cut.

MediaPipe's VIDEO mode follows the people of the last frame; after a cut it
keeps looking where they stood, in a scene they are not in. A jump of the
timestamps does not reset it (measured on tests/helpers/cut_clips.py: the
results after a cut were the same with and without a 10 s jump), so at a
cut the landmarker is closed and a new one made (about 0.1 s on 2 cores).
The cut test itself runs on the decoded frame before it goes to the model
(app/people/scene_cuts.py).
"""

from __future__ import annotations

import numpy as np

from app.people.scene_cuts import CutDetector, CutRule
from app.pose.devices import NOWHERE, RanOn
from app.pose.protocol import EstimatorFactory, PoseEstimating

__all__ = ["EstimatorFactory", "ShotEstimator"]


class ShotEstimator:
    """`new_shot(image)` says whether a frame starts a shot (and then drops
    the landmarker, so the next `detect` uses a fresh one). The landmarker
    is made lazily by `make_estimator`, on the thread that calls `detect`.
    Thread: one at a time, like the landmarker (ChunkedPose makes this
    object on its own thread, a worker uses it, and `ran_on` is read after
    the worker has ended)."""

    def __init__(self, make_estimator: EstimatorFactory, rule: CutRule = CutRule()) -> None:
        self._make = make_estimator
        self._cuts = CutDetector(rule)
        self._estimator: PoseEstimating | None = None
        self.landmarkers = 0  # made so far (bench/ids.py prints the cost)
        self._closed = NOWHERE  # what the landmarkers of earlier shots ran on

    def new_shot(self, image: np.ndarray) -> bool:
        cut = self._cuts.push(image)
        if cut:
            self.restart()
        return cut

    def restart(self) -> None:
        """A fresh landmarker for the next frame, which is not compared with
        the last one either (a new pass, a seek, a loop)."""
        self._close()
        self._cuts.forget()

    def ready(self) -> PoseEstimating:
        """Makes the landmarker for the next frame now, if there is none
        (else the first `detect` makes it); returns it."""
        if self._estimator is None:
            self._estimator = self._make()
            self.landmarkers += 1
        return self._estimator

    def detect(self, image: np.ndarray, timestamp_ms: int | None = None) -> np.ndarray:
        return self.ready().detect(image, timestamp_ms)

    @property
    def boxes(self) -> np.ndarray | None:
        """The person boxes of the rows the last `detect` returned (None
        when no person detector runs): PoseFrame.boxes."""
        return getattr(self._estimator, "boxes", None)

    @property
    def running_on(self) -> RanOn:
        """What the landmarker in use now runs on (NOWHERE before the first
        frame of a shot): the live preview shows it."""
        return self._estimator.ran_on if self._estimator is not None else NOWHERE

    @property
    def ran_on(self) -> RanOn:
        """What every landmarker it made ran on, closed ones too: a
        conversion's note rests on it. Also readable after `close`."""
        return self._closed + self.running_on

    def _close(self) -> None:
        estimator, self._estimator = self._estimator, None
        if estimator is not None:
            # Taken before closing: a closed estimator lets go of its landmarkers.
            self._closed += estimator.ran_on
            estimator.close()

    def close(self) -> None:
        self._close()
