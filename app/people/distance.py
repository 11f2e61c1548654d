"""Whether the people in a picture look small and far away, so that the
distant-people mode (tiles, app/pose/tiles.py) would likely find more of
them. Pure logic over pose results; the app turns the answer into a hint."""

from __future__ import annotations

import numpy as np

from app.base.types import PoseFrame, Y

SMALL_HEIGHT = 0.15  # a person under 15% of the frame's height is "small"
WIDE_ASPECT = 1.2  # width / height of a wide picture (4:3 and wider)
MIN_PEOPLE_SEEN = 8  # detections to judge from, so one odd frame does not decide
# Few detections in a big wide picture also point at small people: the
# default detector often finds nobody at all in a surveillance view.
MIN_FRAMES = 20
FEW_PER_FRAME = 0.5
BIG_WIDTH = 640  # pixels; a small picture holds no people too small to find


def person_heights(pose: PoseFrame) -> list[float]:
    """Each person's height as a fraction of the frame's (valid landmarks only)."""
    heights = []
    for person, valid in zip(pose.landmarks, pose.valid):
        ys = person[valid, Y]
        if ys.size >= 3:  # fewer points say nothing about a person's size
            heights.append(float(ys.max() - ys.min()))
    return heights


class DistanceCheck:
    """Collects person heights frame by frame. In a wide picture,
    `looks_distant` once the people found are small (median height), or when
    a big picture went `MIN_FRAMES` frames with few people found. Thread: one."""

    def __init__(self) -> None:
        self.heights: list[float] = []
        self.frames = 0
        self.wide = self.big = False

    def add(self, pose: PoseFrame) -> None:
        if pose.height > 0:
            self.wide = pose.width / pose.height >= WIDE_ASPECT
            self.big = pose.width >= BIG_WIDTH
        self.frames += 1
        self.heights.extend(person_heights(pose))

    @property
    def judged(self) -> bool:
        return len(self.heights) >= MIN_PEOPLE_SEEN or self.frames >= MIN_FRAMES

    @property
    def looks_distant(self) -> bool:
        if not self.wide or not self.judged:
            return False
        if len(self.heights) >= MIN_PEOPLE_SEEN:
            return float(np.median(self.heights)) < SMALL_HEIGHT
        return self.big and len(self.heights) < FEW_PER_FRAME * self.frames
