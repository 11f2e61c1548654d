"""Per-person post-processing between pose estimation and rendering/export.

Runs sequentially over frames in display order (after chunks are joined), so
person IDs and smoothing are continuous across the whole video.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.core.pose import PoseEstimator, PoseOptions
from app.core.types import PoseFrame


@dataclass(frozen=True)
class PeopleOptions:
    smoothing: float = 0.0  # One-Euro strength, 0 = off
    exclude_ids: frozenset[int] = frozenset()
    only_largest: bool = False
    tiles: str | None = None  # None (off), "auto" or "COLSxROWS"
    interpolate_gaps: int = 0  # fill gaps shorter than this many frames


def parse_tiles(text: str | None) -> tuple[int, int] | str | None:
    """'auto', 'off' or 'COLSxROWS' (e.g. 3x2) -> 'auto', None or (cols, rows)."""
    from app.core.errors import PoseCloakError
    if text is None or text.strip().lower() in ("", "off", "none"):
        return None
    t = text.strip().lower()
    if t == "auto":
        return "auto"
    parts = t.split("x")
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        cols, rows = int(parts[0]), int(parts[1])
        if 1 <= cols <= 8 and 1 <= rows <= 8:
            return cols, rows
    raise PoseCloakError(f"--tiles '{text}': use auto, off or COLSxROWS such as 3x2 (1 to 8 each).")


def _box_area(landmarks: np.ndarray) -> float:
    xy = landmarks[:, :2]
    span = xy.max(axis=0) - xy.min(axis=0)
    return float(span[0] * span[1])


class PeopleProcessor:
    """Stateful: one instance per video (or live session), used from one thread.

    `push` takes frames in display order and returns the frames that are
    ready (possibly fewer, later: gap interpolation looks ahead); `flush`
    returns the rest at the end. Output order and count equal the input's.
    """

    def __init__(self, options: PeopleOptions = PeopleOptions(), fps: float = 30.0) -> None:
        self.options = options
        self.fps = fps

    def push(self, pose: PoseFrame) -> list[PoseFrame]:
        if not any(i >= 0 for i in pose.ids):
            pose = pose.with_people(pose.landmarks, tuple(range(pose.people)), pose.valid)
        keep = [i for i in range(pose.people) if pose.ids[i] not in self.options.exclude_ids]
        if self.options.only_largest and keep:
            keep = [max(keep, key=lambda i: _box_area(pose.landmarks[i]))]
        return [pose if len(keep) == pose.people else pose.select(keep)]

    def flush(self) -> list[PoseFrame]:
        return []


def make_pose_estimator(model_path, pose: PoseOptions, people: PeopleOptions = PeopleOptions(),
                        *, video: bool = True):
    """The estimator for these options (one per thread; the caller closes it)."""
    return PoseEstimator(model_path, pose, video=video)
