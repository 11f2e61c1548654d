"""One ID through a fast change of posture at one place (issue 30): a
person standing, lost by the model for half a second while going down, then
lying where they stood keeps their ID; a walker beside them keeps theirs;
the detector's boxes (PoseFrame.boxes, where the frame has them) place a
body whose hips are not seen."""

from __future__ import annotations

import numpy as np

from app.base.types import PoseFrame
from app.people.tracking import PersonTracker, body_centre
from tests.test_falls_made import figure

W, H = 640, 480
FPS = 30


def row(xy: np.ndarray) -> np.ndarray:
    """(33, 5) landmarks from a made figure's pixels (NaN: not seen)."""
    lm = np.zeros((33, 5), np.float32)
    seen = np.isfinite(xy[:, 0])
    lm[seen, :2] = xy[seen] / [W, H]
    lm[seen, 3:] = 0.95
    return lm


def pose(n: int, *people: np.ndarray) -> PoseFrame:
    lm = np.stack([row(p) for p in people]) if people else np.zeros((0, 33, 5), np.float32)
    return PoseFrame(index=n, time_s=n / FPS, width=W, height=H, landmarks=lm)


def on_the_floor(n: int, rng: np.random.Generator) -> PoseFrame:
    """LYING as the model reports a body on the floor: the trunk seen, a
    different half of the other landmarks unsure (visibility 0.3) in each
    frame, and those jumping."""
    lm = row(LYING)
    unsure = rng.random(33) < 0.5
    unsure[[11, 12, 23, 24]] = False  # shoulders and hips
    lm[unsure, 3] = 0.3
    lm[unsure, :2] += rng.normal(0, 40, (int(unsure.sum()), 2)) / [W, H]
    return PoseFrame(index=n, time_s=n / FPS, width=W, height=H, landmarks=lm[None])


STANDING = figure((300.0, 270.0), 0, 0, 0)
FALLING = figure((305.0, 330.0), 40, 30, 0)
LYING = figure((340.0, 420.0), 85, 95, 90)


def test_a_person_standing_then_lying_at_the_same_place_keeps_the_id():
    tracker = PersonTracker()
    seen = []
    n = 0
    for _ in range(30):
        seen += tracker.update(pose(n, STANDING)).ids
        n += 1
    for _ in range(3):  # going down, fast
        seen += tracker.update(pose(n, FALLING)).ids
        n += 1
    for _ in range(15):  # lost by the model for half a second
        tracker.update(pose(n))
        n += 1
    rng = np.random.default_rng(1)
    for _ in range(30):
        seen += tracker.update(on_the_floor(n, rng)).ids
        n += 1
    assert set(seen) == {0}


def test_a_walker_passing_a_person_who_falls_keeps_their_own_id():
    tracker = PersonTracker()
    n = 0
    for k in range(40):
        walker = figure((80.0 + 4 * k, 270.0), 0, 10 * np.sin(k / 3), -10 * np.sin(k / 3))
        body = STANDING if k < 20 else FALLING if k < 23 else LYING
        out = tracker.update(pose(n, walker, body))
        n += 1
        centres = out.pixels()[:, :, 0].mean(axis=1)
        assert out.ids[int(np.argmin(centres))] == 0  # the walker came first
    assert sorted(out.ids) == [0, 1]


def test_the_body_centre_is_the_hips_else_the_detector_box():
    confident = np.isfinite(STANDING[:, 0])
    assert np.allclose(body_centre(np.nan_to_num(STANDING), confident, None), (300.0, 270.0))
    no_hips = confident.copy()
    no_hips[[23, 24]] = False
    box = np.array([100.0, 50.0, 200.0, 450.0])
    assert np.allclose(body_centre(np.nan_to_num(STANDING), no_hips, box), (150.0, 250.0))
