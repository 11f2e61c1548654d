"""When people look small and far away (app/people/distance.py)."""

from __future__ import annotations

import numpy as np

from app.base.types import PoseFrame
from app.people.distance import DistanceCheck, person_heights


def _frame(i: int, heights: list[float], width: int = 768, height: int = 576) -> PoseFrame:
    lm = np.zeros((len(heights), 33, 5), np.float32)
    for p, h in enumerate(heights):
        lm[p, :, 0] = 0.1 + 0.2 * p
        lm[p, :, 1] = 0.3 + np.linspace(0, h, 33)
        lm[p, :, 3:] = 1.0
    return PoseFrame(i, i / 10, width, height, lm)


def _judge(frames) -> DistanceCheck:
    check = DistanceCheck()
    for frame in frames:
        if check.judged:
            break
        check.add(frame)
    return check


def test_heights_count_only_valid_points():
    frame = _frame(0, [0.5])
    valid = np.zeros((1, 33), bool)
    valid[0, :2] = True  # two points say nothing about size
    assert person_heights(PoseFrame(0, 0, 768, 576, frame.landmarks, valid=valid)) == []
    assert abs(person_heights(frame)[0] - 0.5) < 1e-6


def test_small_people_in_a_wide_picture_look_distant():
    assert _judge(_frame(i, [0.08, 0.1, 0.12]) for i in range(5)).looks_distant
    assert not _judge(_frame(i, [0.6]) for i in range(20)).looks_distant  # a close-up
    # The same small people in a tall (portrait) picture: no.
    assert not _judge(_frame(i, [0.08, 0.1], 576, 768) for i in range(10)).looks_distant


def test_nobody_found_in_a_big_wide_picture_looks_distant_but_not_in_a_small_one():
    assert _judge(_frame(i, []) for i in range(30)).looks_distant
    assert not _judge(_frame(i, [], 320, 240) for i in range(30)).looks_distant
    check = _judge(_frame(i, []) for i in range(5))
    assert not check.judged and not check.looks_distant  # too soon to say
