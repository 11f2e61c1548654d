"""Where a video is cut into time chunks for several pose workers.

A chunk's pass decodes from `warm`, a few frames before its first frame, so
its landmarker is tracking by then (app/engine/chunked_pose.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WARMUP_FRAMES = 10
MIN_CHUNK_FRAMES = 90
MAX_CHUNK_FRAMES = 600


@dataclass(frozen=True)
class Chunk:
    """Frames [first, end) of the file by display index; decoding starts at
    `warm` (<= first) so the landmarker is tracking by `first`."""

    number: int
    warm: int
    first: int
    end: int


def plan_chunks(frame_count: int, jobs: int, *, max_chunk: int = MAX_CHUNK_FRAMES,
                min_chunk: int = MIN_CHUNK_FRAMES, warmup: int = WARMUP_FRAMES) -> list[Chunk]:
    """Splits a video into time chunks for `jobs` workers, balanced, bounded."""
    if jobs <= 1 or frame_count < 2 * min_chunk:
        return [Chunk(0, 0, 0, max(frame_count, 0))]
    jobs = min(jobs, frame_count // min_chunk)
    n = jobs * max(1, math.ceil(frame_count / (jobs * max_chunk)))
    bounds = [round(i * frame_count / n) for i in range(n + 1)]
    return [Chunk(i, max(0, bounds[i] - warmup), bounds[i], bounds[i + 1]) for i in range(n)]
