"""Per-person post-processing between pose estimation and rendering/export.

Runs sequentially over frames in display order (after chunks are joined), so
person IDs and smoothing are continuous across the whole video.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.core.types import PoseFrame


@dataclass(frozen=True)
class PeopleOptions:
    smoothing: float = 0.0  # One-Euro strength, 0 = off
    exclude_ids: frozenset[int] = frozenset()
    only_largest: bool = False
    tiles: str | None = None  # None (off), "auto" or "COLSxROWS"
    interpolate_gaps: int = 0  # fill gaps shorter than this many frames


def _box_area(landmarks: np.ndarray) -> float:
    xy = landmarks[:, :2]
    span = xy.max(axis=0) - xy.min(axis=0)
    return float(span[0] * span[1])


class PeopleProcessor:
    """Stateful: one instance per video (or live session), one thread."""

    def __init__(self, options: PeopleOptions = PeopleOptions(), fps: float = 30.0) -> None:
        self.options = options
        self.fps = fps

    def process(self, pose: PoseFrame) -> PoseFrame:
        if not any(i >= 0 for i in pose.ids):
            pose = pose.with_people(pose.landmarks, tuple(range(pose.people)), pose.valid)
        keep = [i for i in range(pose.people) if pose.ids[i] not in self.options.exclude_ids]
        if self.options.only_largest and keep:
            keep = [max(keep, key=lambda i: _box_area(pose.landmarks[i]))]
        return pose if len(keep) == pose.people else pose.select(keep)
