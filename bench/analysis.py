"""Benchmark: fall and activity detection on clips made from real people (issue 14).

    uv run python -m bench.analysis [--walk-frames N]

Prints figures, asserts nothing. For each made clip (basketball1's standing
player tipped over about his feet: fast falls of several durations, to the
left and to the right, slow lying-down followed by getting up, and standing
still), the falls found, the error of their time and their confidence; then
the activity of the people walking in vtest.avi (tiled detection) with
their cadence; then the analysis's own cost per frame.
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

from app.analysis.analysis import AnalysisAccumulator  # noqa: E402
from app.base.settings import DetectionSettings, PeopleSettings
from app.base.types import PoseFrame  # noqa: E402
from app.people.processor import PeopleProcessor  # noqa: E402
from tests.helpers.motion_clips import (  # noqa: E402
    CANVAS,
    FEET,
    FPS,
    angle_schedule,
    player_canvas,
    tipped,
)

SHARED = ROOT.parent / "shared"
MODEL = Path(os.environ.get("POSECLOAK_MODEL", SHARED / "models" / "pose_landmarker_full.task"))
MEDIA = SHARED / "media"


def run(frames, fps: float, options=DetectionSettings(max_people=2), people=PeopleSettings()):
    from app.engine.estimators import open_estimator
    accumulator = AnalysisAccumulator(fps=fps)
    processor = PeopleProcessor(people, fps)
    estimator = open_estimator(MODEL, options)
    with estimator:
        for i, (t, image) in enumerate(frames):
            h, w = image.shape[:2]
            pose = PoseFrame(i, t, w, h, estimator.detect(image, round(t * 1000)))
            for out in processor.push(pose):
                accumulator.add(out)
    for out in processor.flush():
        accumulator.add(out)
    return accumulator.finish()


def tilt_clips():
    """(name, keyframes, true fall time or None)."""
    out = []
    for seconds in (0.3, 0.5, 0.8, 1.2):
        for sign, side in ((1, "right"), (-1, "left")):
            out.append((f"fall in {seconds:.1f} s to the {side}",
                        [(0, 0), (1.0, 0), (1.0 + seconds, 90 * sign), (3.5 + seconds, 90 * sign)],
                        1.0))  # a fall is timed where it begins
    out += [("lie down in 4 s, get up in 1.5 s",
             [(0, 0), (1, 0), (5, 90), (6.5, 90), (8, 0), (9.5, 0)], None),
            ("lie down in 2 s, stay", [(0, 0), (1, 0), (3, 90), (6, 90)], None),
            ("stand still 5 s", [(0, 0), (5, 0)], None),
            ("stumble: tip to 45 deg in 0.3 s and back", [(0, 0), (1, 0), (1.3, 45), (1.8, 0),
                                                           (4, 0)], None)]
    return out


def bench_falls() -> None:
    canvas = player_canvas(MEDIA)
    print("Made clips (basketball1's player, 640x480, 15 fps); truth: tipping over in "
          "1.2 s or less is a fall, 2 s or more is lying down:")
    print(f"{'clip':42} {'truth':>6} {'found':>6} {'time error':>11} {'confidence':>10} "
          f"{'states'}")
    mirrored = np.ascontiguousarray(canvas[:, ::-1])
    for name, keys, truth in tilt_clips():
        # Falls to the left: the mirrored picture, so that he stays in view.
        left = any(a < 0 for _, a in keys)
        source, feet = (mirrored, (CANVAS[0] - FEET[0], FEET[1])) if left else (canvas, FEET)
        frames = [(i / FPS, tipped(source, a, feet)) for i, a in enumerate(angle_schedule(keys))]
        analysis = run(frames, FPS)
        falls = [e for e in analysis.events if e.kind == "fall"]
        error = (f"{(falls[0].time_s - truth) * 1000:+.0f} ms"
                 if falls and truth is not None else "-")
        conf = ", ".join(f"{e.confidence:.2f}" for e in falls) or "-"
        states = " > ".join(s.state for p in analysis.people for s in p.segments)
        print(f"{name:42} {('fall' if truth else 'none'):>6} {len(falls):>6} {error:>11} "
              f"{conf:>10} {states}")


def bench_walkers(count: int) -> None:
    from tests.helpers.people_media import vtest_images
    images = vtest_images(MEDIA / "vtest.avi", 200, count)
    started = time.perf_counter()
    analysis = run(list(images), 10.0, DetectionSettings(max_people=16, tiles="auto"), PeopleSettings())
    elapsed = time.perf_counter() - started
    print(f"\nvtest.avi frames 200-{200 + count} (tiles auto, {elapsed:.0f} s): "
          f"{len(analysis.people)} tracks analysed, {analysis.short_tracks} under 0.5 s left out")
    print(f"{'person':>6} {'seen s':>7} {'walking':>8} {'standing':>9} {'other':>6} cadence (steps/min)")
    for p in analysis.people:
        seen = p.last_s - p.first_s
        by = {s: sum(g.duration_s for g in p.segments if g.state == s)
              for s in ("walking", "standing")}
        other = sum(g.duration_s for g in p.segments) - by["walking"] - by["standing"]
        cad = ", ".join(f"{c:.0f}" for c in p.cadences) or "-"
        print(f"{p.person_id:>6} {seen:7.1f} {by['walking']:8.1f} {by['standing']:9.1f} "
              f"{other:6.1f} {cad}")
    print("events:", ", ".join(f"{e.kind} #{e.person_id} {e.time_s:.1f}s"
                               for e in analysis.events) or "none")


def bench_cost() -> None:
    """The analysis alone on a long synthetic track: 10 minutes at 30 fps."""
    rng = np.random.default_rng(0)
    n = 18000
    lm = np.zeros((1, 33, 5), np.float32)
    lm[0, :, :2] = rng.uniform(0.3, 0.7, (33, 2))
    lm[0, :, 3:] = 0.9
    accumulator = AnalysisAccumulator(fps=30.0)
    t0 = time.perf_counter()
    for i in range(n):
        jitter = lm.copy()
        jitter[0, :, :2] += rng.normal(0, 0.002, (33, 2)).astype(np.float32)
        accumulator.add(PoseFrame(i, i / 30, 1280, 720, jitter, (0,)))
    t1 = time.perf_counter()
    accumulator.finish()
    t2 = time.perf_counter()
    print(f"\nAnalysis cost, one person, 10 min at 30 fps: {(t1 - t0) / n * 1e6:.0f} us per "
          f"frame while converting, {t2 - t1:.1f} s at the end")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.analysis")
    parser.add_argument("--walk-frames", type=int, default=60)
    args = parser.parse_args(argv)
    from app.pose.estimator import silence_native_logs
    silence_native_logs()
    bench_falls()
    bench_walkers(args.walk_frames)
    bench_cost()
    return 0


if __name__ == "__main__":
    sys.exit(main())
