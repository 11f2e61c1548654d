"""Whether the people in a picture look small and far away, so that the
distant-people mode (tiles, app/pose/tiles.py) would likely find more of
them. Pure logic over pose results; the app turns the answer into a hint."""

from __future__ import annotations

import numpy as np

from app.base.types import PoseFrame, Y

SMALL_HEIGHT = 0.15  # a person under 15% of the frame's height is "small"
WIDE_ASPECT = 1.2  # width / height of a wide picture (4:3 and wider)
MIN_PEOPLE_SEEN = 8  # detections to judge from, so one odd frame does not decide


def person_heights(pose: PoseFrame) -> list[float]:
    """Each person's height as a fraction of the frame's (valid landmarks only)."""
    heights = []
    for person, valid in zip(pose.landmarks, pose.valid):
        ys = person[valid, Y]
        if ys.size >= 3:  # fewer points say nothing about a person's size
            heights.append(float(ys.max() - ys.min()))
    return heights


class DistanceCheck:
    """Collects person heights frame by frame; `looks_distant` once enough
    are seen in a wide picture and their median is small. Thread: one."""

    def __init__(self) -> None:
        self.heights: list[float] = []
        self.wide = False

    def add(self, pose: PoseFrame) -> None:
        if pose.height > 0:
            self.wide = pose.width / pose.height >= WIDE_ASPECT
        self.heights.extend(person_heights(pose))

    @property
    def judged(self) -> bool:
        return len(self.heights) >= MIN_PEOPLE_SEEN

    @property
    def looks_distant(self) -> bool:
        return (self.judged and self.wide
                and float(np.median(self.heights)) < SMALL_HEIGHT)
