"""Benchmark: finding distant people with tiles on vtest.avi (issue 6).

    .venv/bin/python -m bench.tiles [--frames N] [--start N] [--grid auto|CxR] [--image-mode]

Runs the landmarker over a stretch of vtest.avi (768x576, many small
pedestrians) on the full frame only, then with tiles, and prints mean people
per frame both ways, the detections before merging and the duplicate pairs
left before and after merging (tests/helpers/measure.py count_duplicates, judged more leniently
than the merge itself), and the speed both ways. Both runs look for up to 16
people per frame (--max-people), so the cap does not hide anyone.
`--image-mode` runs the tiles in IMAGE mode instead of VIDEO mode (the
choice TiledPoseEstimator makes for videos is justified by this comparison).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.base.settings import (
    DetectionSettings,
    parse_tiles,  # noqa: E402
)
from app.media.images import resize_rgb  # noqa: E402
from app.pose.estimator import PoseEstimator  # noqa: E402
from app.pose.tiles import TiledPoseEstimator, auto_grid  # noqa: E402
from tests.helpers.measure import count_duplicates  # noqa: E402

SHARED = Path(os.environ.get("POSECLOAK_SHARED", ROOT.parent / "shared"))


def frames_of(path: Path, start: int, count: int):
    from app.media.video import iter_frames
    out = []
    for frame in iter_frames(path):
        if frame.index >= start:
            out.append(frame)
        if len(out) >= count:
            break
    return out


def run(estimator, frames) -> dict:
    people, dups, raw, raw_dups = [], 0, [], 0
    estimator.detect(frames[0].image, 0)  # load and warm up outside the timing
    started = time.perf_counter()
    for f in frames:
        lm = estimator.detect(f.image, round(f.time_s * 1000) + 1)
        people.append(lm.shape[0])
        dups += count_duplicates(lm, f.width, f.height)
        cand = getattr(estimator, "last_candidates", None)
        if cand is not None:
            raw.append(cand.shape[0])
            raw_dups += count_duplicates(cand, f.width, f.height)
    elapsed = time.perf_counter() - started
    return dict(people=float(np.mean(people)), dups=dups, fps=len(frames) / elapsed,
                raw=float(np.mean(raw)) if raw else None, raw_dups=raw_dups,
                frames_with_people=float(np.mean(np.array(people) > 0)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=Path(os.environ.get(
        "POSECLOAK_MODEL", SHARED / "models" / "pose_landmarker_full.task")))
    ap.add_argument("--video", type=Path, default=SHARED / "media" / "vtest.avi")
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--frames", type=int, default=200)
    ap.add_argument("--grid", default="auto")
    ap.add_argument("--max-people", type=int, default=16)
    ap.add_argument("--image-mode", action="store_true", help="tiles in IMAGE mode")
    args = ap.parse_args(argv)
    frames = frames_of(args.video, args.start, args.frames)
    w, h = frames[0].width, frames[0].height
    grid = parse_tiles(args.grid)
    shown = auto_grid(w, h) if grid == "auto" else grid
    options = DetectionSettings(max_people=args.max_people)
    print(f"{args.video.name}: {w}x{h}, frames {args.start}..{args.start + len(frames) - 1}, "
          f"max {args.max_people} people, tiles {args.grid} = {shown[0]}x{shown[1]} + full frame, "
          f"{'IMAGE' if args.image_mode else 'VIDEO'} mode")
    with PoseEstimator(args.model, options, video=True) as est:
        full = run(est, frames)
    with TiledPoseEstimator(args.model, options, grid=grid, video=not args.image_mode,
                            resize=resize_rgb) as est:
        tiled = run(est, frames)
    print(f"  full frame: {full['people']:.2f} people/frame "
          f"({100 * full['frames_with_people']:.0f}% of frames with anyone), "
          f"duplicate pairs {full['dups']}, {full['fps']:.1f} fps")
    print(f"  tiles:      {tiled['people']:.2f} people/frame "
          f"({100 * tiled['frames_with_people']:.0f}% of frames with anyone), "
          f"{tiled['raw']:.2f} detections/frame before merging "
          f"({tiled['raw_dups']} duplicate pairs), duplicate pairs left {tiled['dups']} "
          f"({tiled['dups'] / len(frames):.3f}/frame), {tiled['fps']:.1f} fps")
    print(f"  people found x{tiled['people'] / max(full['people'], 1e-9):.1f}, "
          f"speed x{tiled['fps'] / full['fps']:.3f} "
          f"({full['fps'] / tiled['fps']:.1f} times slower)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
