"""Benchmark: per-frame precision and recall of the people reported, without
and with the quality gate (issue 12), and with the person detector (issue 26).

    .venv/bin/python -m bench.quality [--vtest-frames N] [--skip-tiles] [--fast]
                      [--only tree|carphone|cut|stills|vtest|rooms|street ...]

Clips with known counts (tests/helpers/quality_media.py makes the stills):

- tree.avi: nobody in it (0 per frame); once plain, once with 2x2 tiles and
  MediaPipe's confidences lowered to 0.3 (which lets ghosts through);
- carphone: one person in every frame;
- cut: carphone frames 0-59, 30 frames of tree.avi (scaled to 176x144),
  carphone 60-119, joined with hard cuts (1, 0, 1 per frame);
- stills, each run as a picture (IMAGE mode);
- rooms: six GMDCSA24 clips (tests/helpers/detector_media.py), one person
  in every frame: falls the pose model loses the person in, everyday
  activity in three rooms; also the share of frames with a person reported;
- street cut: tree.avi, a GMDCSA24 room, tree.avi, a fall, carphone
  (640x480, hard cuts: 0, 1, 0, 1, 1 per frame);
- vtest.avi frames 100-199 (a street of small pedestrians), full frame and
  3x2 tiles. Nobody labelled every person here, so: a reported person counts
  as right when at least 12% of their pose box differs from the clip's
  background (median of 60 frames spread over the clip: a skeleton on empty
  road covers background only; tests/helpers/foreground.py), and recall is
  measured on 11 frames whose people were counted by eye (VTEST_COUNTS:
  everybody at least half visible, +-1 each).

Per frame, right = min(found, true) where only counts are known; precision
= right / found, recall = right / true, summed over the frames. Speed is
frames per second in this run (compare the ratio: the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.base.settings import DetectionSettings  # noqa: E402
from app.media.images import resize_rgb  # noqa: E402
from app.pose.factory import make_pose_estimator  # noqa: E402
from app.pose.merge import pose_boxes  # noqa: E402
from tests.helpers.clips import frames_of  # noqa: E402
from tests.helpers.detector_media import GMD_CLIPS, gmd_clip, gmd_fps, street_cut  # noqa: E402
from tests.helpers.foreground import (  # noqa: E402
    MIN_FOREGROUND_SHARE,
    background,
    foreground_mask,
    foreground_share,
)
from tests.helpers.quality_media import cut_clip, stills  # noqa: E402

SHARED = Path(os.environ.get("POSECLOAK_SHARED", ROOT.parent / "shared"))
MEDIA = SHARED / "media"
MODEL = SHARED / "models" / "pose_landmarker_full.task"
VTEST_START = 100
# People at least half visible, counted by eye on the 768x576 frames.
VTEST_COUNTS = {100: 7, 110: 6, 120: 8, 130: 9, 140: 9, 150: 8, 160: 7, 170: 8, 180: 7,
                190: 7, 199: 7}
LOW = dict(min_detection_confidence=0.3, min_presence_confidence=0.3)
PARTS = ["tree", "carphone", "cut", "stills", "rooms", "street", "vtest"]
# Setups compared side by side: (name, gate, person detector).
SETUPS = [("no gate", False, False), ("gate", True, False), ("gate + detector", True, True)]


class Score:
    def __init__(self) -> None:
        self.found = self.right = self.true = self.right_on_true = 0
        self.frames, self.seconds = 0, 0.0

    def add(self, found: int, right: int, true: int | None) -> None:
        self.frames += 1
        self.found += found
        self.right += right
        if true is not None:
            self.true += true
            self.right_on_true += min(right, true)

    def row(self, name: str, setup: str, extra: str = "") -> str:
        p = f"{self.right / self.found:.2f}" if self.found else "-"
        r = f"{self.right_on_true / self.true:.2f}" if self.true else "-"
        fps = f"{self.frames / self.seconds:.1f}" if self.seconds else "-"
        return (f"| {name} | {setup} | {self.frames} | {self.true} | {self.found} | "
                f"{self.found - self.right} | {p} | {r} | {fps} |{extra}")


def run_video(frames, counts, detection: DetectionSettings, setup: tuple, fps: float,
              judge=None) -> Score:
    """`counts[i]`: people in frame i (None: unknown); `judge(i, landmarks)`
    -> how many of them are right (default: min(found, count)). `setup`:
    one of SETUPS. A hard cut in `frames` is a new shot, as the pipeline's
    cut detector makes it (app/engine/shot_estimator.py)."""
    _, gate, detector = setup
    score = Score()
    cuts = {i for i in range(1, len(frames)) if frames[i].shape != frames[i - 1].shape
            or _cut(frames[i - 1], frames[i])}
    with make_pose_estimator(MODEL, detection, resize=resize_rgb, gate=gate,
                             person_detector=detector) as est:
        est.detect(frames[0], 0)  # load outside the timing
        if hasattr(est, "new_shot"):
            est.new_shot()  # the first timed frame is a shot's first frame
        started = time.perf_counter()
        base = 10_000
        for i, rgb in enumerate(frames):
            if i in cuts and hasattr(est, "new_shot"):
                est.new_shot()
            lm = est.detect(rgb, base + round(i * 1000 / fps))
            right = judge(i, lm) if judge else min(lm.shape[0], counts[i])
            score.add(lm.shape[0], right, counts[i])
        score.seconds = time.perf_counter() - started
    return score


def _cut(a, b) -> bool:
    from app.people.scene_cuts import CutDetector
    detector = CutDetector()
    detector.push(a)
    return detector.push(b)


def run_stills(setup: tuple) -> tuple[Score, list[str]]:
    _, gate, detector = setup
    score, notes = Score(), []
    with make_pose_estimator(MODEL, DetectionSettings(), video=False, resize=resize_rgb,
                             gate=gate, person_detector=detector) as est:
        started = time.perf_counter()
        for name, (image, true) in stills(MEDIA).items():
            n = est.detect(image).shape[0]
            score.add(n, min(n, true), true)
            notes.append(f"{name} {n}/{true}")
        score.seconds = time.perf_counter() - started
    return score, notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vtest-frames", type=int, default=100)
    parser.add_argument("--skip-tiles", action="store_true")
    parser.add_argument("--fast", action="store_true",
                        help="only the gate with and without the detector (no 'no gate' rows)")
    parser.add_argument("--only", nargs="+", choices=PARTS, default=PARTS,
                        help="run only these parts (default: all)")
    args = parser.parse_args()
    rows = ["| clip | setup | frames | people (true) | reported | wrong | precision | recall | fps |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]

    setups = SETUPS[1:] if args.fast else SETUPS

    def both(name, setup, fn):
        for s in setups:
            rows.append(fn(s).row(name, f"{setup}, {s[0]}"))
            print(rows[-1], flush=True)

    if "tree" in args.only:
        tree = frames_of(MEDIA / "tree.avi")
        both("tree.avi", "full frame", lambda g: run_video(tree, [0] * len(tree),
                                                           DetectionSettings(), g, 30))
        both("tree.avi", "2x2 tiles, confidences 0.3", lambda g: run_video(
            tree, [0] * len(tree), DetectionSettings(tiles="2x2", **LOW), g, 30))
    if "carphone" in args.only:
        car = frames_of(MEDIA / "carphone_pristine.mp4")
        both("carphone", "full frame", lambda g: run_video(car, [1] * len(car),
                                                           DetectionSettings(), g, 30))
    if "cut" in args.only:
        cut, cut_counts = cut_clip(MEDIA)
        both("cut: carphone / tree / carphone", "full frame", lambda g: run_video(
            cut, cut_counts, DetectionSettings(), g, 30))
    if "stills" in args.only:
        for s in setups:
            score, notes = run_stills(s)
            rows.append(score.row("stills", "IMAGE mode, " + s[0]))
            print(rows[-1], "  ", "; ".join(notes), flush=True)
    if "rooms" in args.only:
        for name in GMD_CLIPS:
            clip = gmd_clip(MEDIA, name)
            both(f"gmdcsa24 {name}", "full frame", lambda s, clip=clip, name=name: run_video(
                clip, [1] * len(clip), DetectionSettings(), s, gmd_fps(MEDIA, name)))
    if "street" in args.only:
        street, street_counts = street_cut(MEDIA)
        both("street cut: tree / room / tree / fall / carphone", "full frame",
             lambda s: run_video(street, street_counts, DetectionSettings(), s, 30))
    if "vtest" in args.only:
        run_vtest(args, rows, both)
    print()
    print("\n".join(rows))


def vtest_stretch(frames: int):
    """vtest.avi from VTEST_START: (frames, counts by eye or None, judge,
    name); judge(i, landmarks) counts the people reported on foreground."""
    path = MEDIA / "vtest.avi"
    vt = frames_of(path, VTEST_START + frames)[VTEST_START:]
    bg = background(path)
    masks = [foreground_mask(rgb, bg) for rgb in vt]
    counts = [VTEST_COUNTS.get(VTEST_START + i) for i in range(len(vt))]

    def judge(i, lm):
        boxes = pose_boxes(lm, vt[i].shape[1], vt[i].shape[0])
        return sum(foreground_share(masks[i], b) >= MIN_FOREGROUND_SHARE for b in boxes)

    return vt, counts, judge, f"vtest.avi {VTEST_START}-{VTEST_START + len(vt) - 1}"


def run_vtest(args, rows, both) -> None:
    vt, counts, judge, vtest_name = vtest_stretch(args.vtest_frames)
    both(vtest_name, "full frame", lambda g: run_video(
        vt, counts, DetectionSettings(max_people=16), g, 10, judge))
    if not args.skip_tiles:
        both(vtest_name, "3x2 tiles", lambda g: run_video(
            vt, counts, DetectionSettings(tiles="3x2"), g, 10, judge))


if __name__ == "__main__":
    main()
