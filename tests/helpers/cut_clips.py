"""A street clip joined from shared/media with hard cuts at known frames.

Shared by tests/test_scene_cuts.py and bench/ids.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from tests.helpers.clips import write_clip
from tests.helpers.seams import _frames

SIZE = (768, 576)


@dataclass(frozen=True)
class CutClip:
    path: Path
    cuts: tuple[int, ...]  # display indices of the first frame of each new shot
    frame_count: int


def _mirrored(frames: list[np.ndarray]) -> list[np.ndarray]:
    return [np.ascontiguousarray(f[:, ::-1]) for f in frames]


def street_with_cuts(folder: Path, media: Path) -> CutClip:
    """Five shots: a face close up (carphone 0-59), the same face from the
    other side (carphone 60-119 mirrored: the face stays where it was, so
    only the cut keeps it from keeping its ID), the street mirrored (vtest
    520-589), an empty scene (tree), the street (vtest 650-719). The
    mirror images have the same colours as the shot before or after, so
    only the picture's layout tells those cuts. 10 fps, 300 frames."""
    carphone = _frames(media / "carphone_pristine.mp4", 0, 120, SIZE)
    parts = [carphone[:60], _mirrored(carphone[60:]),
             _mirrored(_frames(media / "vtest.avi", 520, 70)),
             _frames(media / "tree.avi", 0, 40, SIZE),
             _frames(media / "vtest.avi", 650, 70)]
    cuts, n = [], 0
    for part in parts[:-1]:
        n += len(part)
        cuts.append(n)
    frames = [f for part in parts for f in part]
    path = write_clip(folder / "street_cuts.mp4", frames, time_base=Fraction(1, 10),
                      rate=Fraction(10))
    return CutClip(path, tuple(cuts), len(frames))
