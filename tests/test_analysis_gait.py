"""Walking cadence against a known truth.

The shared media hold no walker whose steps anyone counted (vtest's people
are 25-35 px tall at 10 fps), so the cadence is checked on a real person's
keypoints made to walk at a known cadence: basketball1's standing player,
detected by the model, with each leg swung about its hip (thigh and shank
turned together, the legs in opposite phase, as in a side view of walking),
his body carried forward at walking speed, and a pixel of landmark jitter.
The whole analysis path runs (frame states, smoothing, segments, cadence).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.analysis import activity
from app.analysis.angles import masked_pixels
from app.base.landmarks import INDEX

SWUNG = {side: [INDEX[f"{side}_{k}"] for k in ("knee", "ankle", "heel", "foot_index")]
         for side in ("left", "right")}


@pytest.fixture(scope="module")
def standing_player(media, model_path) -> np.ndarray:
    from app.base.settings import DetectionSettings
    from app.media.images import read_image
    from app.pose.estimator import PoseEstimator
    image = read_image(media / "basketball1.png")[:, :300]
    with PoseEstimator(model_path, DetectionSettings(max_people=1), video=False) as est:
        lm = est.detect(image)
    h, w = image.shape[:2]
    xy = masked_pixels(lm[0], lm[0, :, 3] > 0.5, w, h)
    legs = [i for joints in SWUNG.values() for i in joints]
    assert np.isfinite(xy[legs]).all(), "the player's legs must be seen"
    return xy


def walking(xy: np.ndarray, steps_per_min: float, fps: float, seconds: float = 8.0,
            swing_deg: float = 22.0, speed: float = 1.2,
            seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(times, (n, 33, 2) positions) of `xy` walking at `steps_per_min`,
    carried forward at `speed` torso lengths per second."""
    rng = np.random.default_rng(seed)
    times = np.arange(0.0, seconds, 1.0 / fps)
    torso = float(np.linalg.norm(
        (xy[INDEX["left_shoulder"]] + xy[INDEX["right_shoulder"]]) / 2
        - (xy[INDEX["left_hip"]] + xy[INDEX["right_hip"]]) / 2))
    stride_hz = steps_per_min / 120.0  # one stride = two steps
    frames = []
    for t in times:
        pose = xy.copy()
        for side, phase in (("left", 0.0), ("right", math.pi)):
            a = math.radians(swing_deg) * math.sin(2 * math.pi * stride_hz * t + phase)
            rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
            hip = xy[INDEX[f"{side}_hip"]]
            pose[SWUNG[side]] = (xy[SWUNG[side]] - hip) @ rot.T + hip
        pose[:, 0] += speed * torso * t
        frames.append(pose + rng.normal(0.0, 1.0, pose.shape))
    return times, np.stack(frames)


@pytest.mark.parametrize("fps", [10.0, 25.0, 30.0])
@pytest.mark.parametrize("steps_per_min", [90.0, 110.0, 130.0])
def test_cadence_of_a_real_person_walking_at_a_known_cadence(standing_player, steps_per_min, fps):
    times, xy = walking(standing_player, steps_per_min, fps)
    states = activity.smooth_states(times, activity.frame_states(times, xy))
    segs = activity.segments(times, states, xy)
    walks = [s for s in segs if s.state == "walking"]
    assert sum(s.duration_s for s in walks) >= 0.9 * times[-1], segs
    cadences = [s.cadence_spm for s in walks if s.cadence_spm is not None]
    assert cadences, segs
    for c in cadences:
        assert c == pytest.approx(steps_per_min, rel=0.05), (c, steps_per_min, fps)


def test_the_same_person_standing_still_has_no_cadence(standing_player):
    times, xy = walking(standing_player, 110.0, 25.0, swing_deg=0.0, speed=0.0)
    segs = activity.segments(times, activity.smooth_states(
        times, activity.frame_states(times, xy)), xy)
    assert [s.state for s in segs] == ["standing"]
    assert segs[0].cadence_spm is None
