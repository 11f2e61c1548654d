"""Benchmark: distant people on vtest.avi, tiles against detector-led crops
(issue 26), side by side in one run.

    uv run python -m bench.crops_vs_tiles [--frames N] [--max-boxes N ...]

Setups, all behind the gate and the person detector (the default stack):
- the full frame (top-down crops only for boxes at least a quarter of the
  picture: none on vtest.avi);
- today's distant-people mode: 3x2 tiles (which also crop small boxes);
- the full frame with top-down crops for every person box, small ones
  included, at most N boxes a frame (one row per --max-boxes).

People found per frame, wrong ones and recall as bench/quality.py judges
vtest.avi (its foreground rule and VTEST_COUNTS), and frames per second in
this run (compare the ratio: the machine is shared).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.base.settings import DetectionSettings  # noqa: E402
from app.media.images import resize_rgb  # noqa: E402
from app.pose.factory import make_pose_estimator  # noqa: E402
from bench.quality import MODEL, Score, vtest_stretch  # noqa: E402

FPS = 10  # vtest.avi's frame rate


def run(frames, judge, counts, detection: DetectionSettings, max_boxes: int | None) -> Score:
    """One setup over the frames; `max_boxes` set: crops for every box, that
    many a frame at most."""
    score = Score()
    with make_pose_estimator(MODEL, detection, resize=resize_rgb) as est:
        if max_boxes is not None:
            est.top_down.min_share, est.top_down.max_boxes = 0.0, max_boxes
        est.detect(frames[0], 0)  # load outside the timing
        est.new_shot()
        started = time.perf_counter()
        for i, rgb in enumerate(frames):
            lm = est.detect(rgb, 10_000 + round(i * 1000 / FPS))
            score.add(lm.shape[0], judge(i, lm), counts[i])
        score.seconds = time.perf_counter() - started
        crops = est.top_down.crops
    return score, crops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--max-boxes", type=int, nargs="+", default=[3, 16])
    args = parser.parse_args()
    vt, counts, judge, name = vtest_stretch(args.frames)
    setups = [("full frame", DetectionSettings(max_people=16), None),
              ("3x2 tiles (distant-people mode)", DetectionSettings(max_people=16, tiles="3x2"),
               None)]
    setups += [(f"full frame, crops for all boxes (at most {n} a frame)",
                DetectionSettings(max_people=16), n) for n in args.max_boxes]
    rows = ["| clip | setup | frames | people (true) | reported | wrong | precision | recall "
            "| fps | per frame | crops |", "| --- " * 11 + "|"]
    for setup, detection, max_boxes in setups:
        score, crops = run(vt, judge, counts, detection, max_boxes)
        rows.append(score.row(name, setup, f" {score.found / score.frames:.2f} | {crops} |"))
        print(rows[-1], flush=True)
    print()
    print("\n".join(rows))


if __name__ == "__main__":
    main()
