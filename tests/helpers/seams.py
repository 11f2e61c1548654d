"""Clips and measurements for chunk seams: one unbroken pose pass against the
chunked passes of the default, people matched by position.

Shared by tests/test_seams.py and bench/seams.py.
"""

from __future__ import annotations

import threading
from fractions import Fraction
from pathlib import Path

import numpy as np

from app.base.settings import DetectionSettings
from app.base.types import PoseFrame
from app.engine.chunked_pose import WARMUP_FRAMES, Chunk, ChunkedPose
from app.media.images import resize_rgb
from app.media.video import VideoReader, probe, scan_pts
from app.people.seams import match_people
from app.pose.factory import make_pose_estimator
from tests.helpers.clips import write_clip

# Looser than the seam rule itself: two passes drift apart by a few pixels.
MATCH_TOLERANCE = 0.3


def _frames(path: Path, start: int, count: int, size: tuple[int, int] | None = None):
    out = []
    for frame in VideoReader(path).frames():
        if frame.index < start:
            continue
        image = frame.image
        if size is not None and (image.shape[1], image.shape[0]) != size:
            image = resize_rgb(image, *size)
        out.append(image)
        if len(out) == count:
            break
    return out


def vtest_walkers(folder: Path, media: Path) -> Path:
    """vtest.avi frames 120-359: a distant pedestrian whom a fresh pass
    takes many frames to find."""
    return write_clip(folder / "walkers.mp4", _frames(media / "vtest.avi", 120, 240),
                      time_base=Fraction(1, 10), rate=Fraction(10))


def cuts_and_closeups(folder: Path, media: Path) -> Path:
    """Hard cuts: street, a face close up, an empty scene, street again."""
    size = (768, 576)
    parts = [_frames(media / "vtest.avi", 300, 70),
             _frames(media / "carphone_pristine.mp4", 0, 60, size),
             _frames(media / "tree.avi", 0, 40, size),
             _frames(media / "vtest.avi", 520, 70)]
    return write_clip(folder / "cuts.mp4", [f for part in parts for f in part],
                      time_base=Fraction(1, 10), rate=Fraction(10))


def chunks_at(bounds: list[int], frame_count: int, warmup: int = WARMUP_FRAMES) -> list[Chunk]:
    """Chunks with seams at `bounds` (frame indices)."""
    edges = [0, *bounds, frame_count]
    return [Chunk(i, max(0, a - warmup), a, b) for i, (a, b) in enumerate(zip(edges, edges[1:]))]


def pose_frames(clip: Path, model: Path, chunks: list[Chunk], jobs: int,
                **kwargs) -> tuple[list[PoseFrame], ChunkedPose]:
    """Pose results per frame from ChunkedPose over `chunks` on `jobs` workers."""
    info = probe(clip)
    pts = scan_pts(clip) if len(chunks) > 1 else None
    stop = threading.Event()
    runner = ChunkedPose(clip, info, pts, chunks, jobs,
                         lambda: make_pose_estimator(model, DetectionSettings()),
                         stop, **kwargs)
    runner.start()
    try:
        out = list(runner.results(threading.Event()))
    finally:
        stop.set()
        runner.join()
    return out, runner


def pose_passes(clip: Path, model: Path, chunks: list[Chunk], jobs: int,
                **kwargs) -> tuple[list[np.ndarray], ChunkedPose]:
    """Landmarks per frame from ChunkedPose over `chunks` on `jobs` workers."""
    poses, runner = pose_frames(clip, model, chunks, jobs, **kwargs)
    return [pose.landmarks for pose in poses], runner


def seam_losses(reference: list[np.ndarray], chunked: list[np.ndarray]) -> tuple[int, int]:
    """(person-frames the unbroken pass has and the chunked one lacks, and
    the reverse), people matched by position frame by frame."""
    lost = added = 0
    for a, b in zip(reference, chunked, strict=True):
        matched = len(match_people(a, b, MATCH_TOLERANCE))
        lost += len(a) - matched
        added += len(b) - matched
    return lost, added
