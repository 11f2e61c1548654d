"""Real-footage inputs for the multi-person tests, computed once per session.

Detection on vtest.avi with tiles costs about half a second a frame on two
cores, so the tracking and tile tests share one cached run.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from app.base.settings import DetectionSettings
from app.base.types import PoseFrame
from app.media.images import resize_rgb
from app.pose.estimator import PoseEstimator
from app.pose.tiles import TiledPoseEstimator

VTEST_START = 200  # people walk through the middle of the scene here
VTEST_FRAMES = 40
MAX_PEOPLE = 16


@lru_cache(maxsize=2)
def vtest_images(path: Path, start: int = VTEST_START, count: int = VTEST_FRAMES):
    """Frames [start, start + count) of vtest.avi as (time_s, RGB) pairs."""
    from app.media.video import VideoReader
    reader = VideoReader(path)
    tb, fps = reader.info.time_base, reader.info.fps
    start_pts = reader.info.start_pts + round(start / fps / tb)
    out = []
    for frame in reader.frames(start_pts, None, start):
        out.append((frame.time_s, frame.image))
        if len(out) == count:
            break
    return tuple(out)


@lru_cache(maxsize=4)
def _vtest_run(path: Path, model: Path, tiles: bool):
    images = vtest_images(path)
    options = DetectionSettings(max_people=MAX_PEOPLE)
    est = (TiledPoseEstimator(model, options, grid="auto", resize=resize_rgb) if tiles
           else PoseEstimator(model, options))
    out, candidates = [], []
    with est:
        for n, (time_s, rgb) in enumerate(images):
            h, w = rgb.shape[:2]
            out.append(PoseFrame(index=n, time_s=time_s, width=w, height=h,
                                 landmarks=est.detect(rgb, round(time_s * 1000))))
            candidates.append(getattr(est, "last_candidates", out[-1].landmarks))
    return tuple(out), tuple(candidates)


def vtest_poses(path: Path, model: Path, tiles: bool) -> tuple[PoseFrame, ...]:
    """Raw (untracked) pose frames of the vtest segment, full frame or tiled."""
    return _vtest_run(path, model, tiles)[0]


def vtest_candidates(path: Path, model: Path) -> tuple[np.ndarray, ...]:
    """The tiled run's detections per frame before duplicates were merged."""
    return _vtest_run(path, model, True)[1]


def two_people_image(media: Path) -> np.ndarray:
    """basketball1.png's player beside a 90% mirrored copy of himself (the
    model finds both; the left one is the larger)."""
    from app.media.images import read_image
    player = read_image(media / "basketball1.png")[:, :300]
    small = cv2.resize(player, None, fx=0.9, fy=0.9)[:, ::-1]
    h, gap = player.shape[0], 30
    out = np.zeros((h, player.shape[1] + gap + small.shape[1], 3), np.uint8)
    out[:, :player.shape[1]] = player
    out[h - small.shape[0]:, player.shape[1] + gap:] = small
    return out


CROSSING_FRAMES = 90
CROSSING_SIZE = (1100, 480)  # width, height


def crossing_walkers(folder: Path, media: Path) -> tuple[Path, np.ndarray]:
    """Two real people crossing, one hiding the other: basketball1.png's
    player (behind) slides left to right while messi5's player (in front)
    slides right to left, over CROSSING_FRAMES frames at 30 fps on a dark
    canvas. Returns the clip and, per frame, each one's centre x in pixels
    ((frames, 2): player, then messi5's), so who is who is known exactly."""
    from app.media.images import read_image
    from tests.helpers.clips import write_clip
    width, height = CROSSING_SIZE
    behind = read_image(media / "basketball1.png")[:, :260]
    front = read_image(media / "messi5.jpg")[40:342, 150:440]
    front = cv2.resize(front, (round(front.shape[1] * height / front.shape[0]), height),
                       interpolation=cv2.INTER_CUBIC)
    frames, centres = [], []
    for i in range(CROSSING_FRAMES):
        share = i / (CROSSING_FRAMES - 1)
        xa = int(20 + (width - 40 - behind.shape[1]) * share)
        xb = int(width - 20 - front.shape[1] - (width - 40 - front.shape[1]) * share)
        canvas = np.full((height, width, 3), 40, np.uint8)
        canvas[:, xa:xa + behind.shape[1]] = behind
        canvas[:, xb:xb + front.shape[1]] = front
        frames.append(canvas)
        centres.append((xa + behind.shape[1] / 2, xb + front.shape[1] / 2))
    # Lossless and single-threaded, so every run decodes the same pixels
    # (x264's threads made the picture, and a borderline re-identification,
    # differ from run to run).
    return (write_clip(folder / "crossing.mkv", frames, codec="ffv1", pix_fmt="yuv420p"),
            np.array(centres))


CROSSING_APART_PX = 300  # the crossing people are 260 and 461 px wide


def crossing_ids(clip: Path, centres: np.ndarray, model: Path,
                 tiles: str) -> tuple[int, dict[int, set[int]]]:
    """Converts `crossing_walkers`' clip (keypoints only) and returns the
    people found over all frames and, per output ID, which of the two real
    people (0: the player, 1: messi5's) it was on: the one whose centre is
    nearest, in frames where they stand CROSSING_APART_PX or more apart.
    An ID on both is a swap."""
    from app.base.settings import SkeletonSettings
    from app.engine.jobs import ConvertJob
    from app.engine.pipeline import convert
    owners: dict[int, set[int]] = {}
    found = 0

    def seen(pose: PoseFrame, _canvas) -> None:
        nonlocal found
        found += pose.people
        if abs(centres[pose.index, 0] - centres[pose.index, 1]) < CROSSING_APART_PX:
            return  # side by side: "nearest" says nothing
        for person, pid in zip(pose.pixels(), pose.ids):
            x = float(np.nanmean(person[:, 0]))
            owners.setdefault(pid, set()).add(int(np.argmin(np.abs(centres[pose.index] - x))))

    settings = SkeletonSettings(detection=DetectionSettings(tiles=tiles), jobs=1)
    convert(ConvertJob(clip, clip.with_suffix(".out.mp4"), settings, video=False), model,
            on_frame=seen)
    return found, owners
