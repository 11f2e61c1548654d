"""Every pose estimator meets the one interface (app/pose/protocol.py), at
run time on real frames as mypy checks it statically in CI."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from app.base.settings import DetectionSettings
from app.base.types import DETECTION_COLUMNS
from app.engine.estimators import open_estimator
from app.engine.shot_estimator import ShotEstimator
from app.pose.devices import RanOn
from app.pose.estimator import PoseEstimator
from app.pose.gate import GatedPoseEstimator
from app.pose.person_check import PersonCheckedEstimator
from app.pose.protocol import PoseEstimating
from app.pose.tiles import TiledPoseEstimator
from tests.helpers.clips import frames_of


def test_each_estimator_meets_the_protocol(model_path, carphone):
    frame = frames_of(carphone, 1)[0]
    plain = DetectionSettings(person_detector=False)  # the stack under the person check
    made = {
        PoseEstimator: open_estimator(model_path, plain, video=True).inner,
        TiledPoseEstimator: open_estimator(model_path, replace(plain, tiles="2x1")).inner,
        GatedPoseEstimator: open_estimator(model_path, plain),
        PersonCheckedEstimator: open_estimator(model_path, DetectionSettings()),
        ShotEstimator: ShotEstimator(lambda: open_estimator(model_path, DetectionSettings())),
    }
    for cls, estimator in made.items():
        try:
            assert isinstance(estimator, cls) and isinstance(estimator, PoseEstimating), cls
            found = estimator.detect(frame, 0)
            assert found.dtype == np.float32 and found.shape[1:] == (33, DETECTION_COLUMNS), cls
            assert isinstance(estimator.ran_on, RanOn) and estimator.ran_on.cpu >= 1, cls
        finally:
            estimator.close()
        assert isinstance(estimator.ran_on, RanOn), cls  # still readable after close
