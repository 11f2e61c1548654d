"""Benchmark: people found per frame on interlaced clips, with and without
deinterlacing (issue 29), and what reading frames costs.

    .venv/bin/python -m bench.interlace [--frames N] [--only fall vtest decode]

The interlaced clips are made from real footage with motion, as a camcorder
records it: two consecutive progressive frames are woven into one (the
first's top lines, the second's bottom lines) and coded by x264 as
interlaced, top field first, 720x576 at 16:15 (PAL DV's shape) for vtest,
640x480 square for the gmdcsa24 fall. Each clip is read twice by the app's
reader: as it is now (bwdif, one frame per frame) and with its scan
overridden to progressive (the woven frames as before). The pose estimator
(VIDEO mode, quality gate on; default settings, vtest with up to 16 people)
runs on every frame; people are the gate's reported people, "on movers"
those whose box is at least 12 % moving foreground in the first field's
picture (the clip's median background, tests/helpers/foreground.py: a
skeleton on empty road covers background only). The progressive
first-field frames are run too, as the best the clip could give.

`decode` times VideoReader on square-pixel progressive files (vtest.avi,
carphone's 128:117 pixels read at 192x144, and vtest as PAL DV): run it on
two checkouts to compare the reading path before and after.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from app.base.settings import DetectionSettings  # noqa: E402
from app.media.images import resize_rgb  # noqa: E402
from app.media.video import VideoReader, probe  # noqa: E402
from app.pose.factory import make_pose_estimator  # noqa: E402
from tests.helpers.clips import frames_of, write_clip  # noqa: E402

SHARED = ROOT.parent / "shared"
MODEL = SHARED / "models" / "pose_landmarker_full.task"
FALL = SHARED / "media" / "gmdcsa24" / "Subject_1" / "Fall" / "14.mp4"  # 640x480, 29.7 fps
VTEST = SHARED / "media" / "vtest.avi"


def _comb(image: np.ndarray) -> float:
    x = image.astype(np.float32)
    return float(np.abs(x[1:-1:2] - (x[0:-2:2] + x[2::2]) / 2).mean())


def _people(images: list[np.ndarray], fps: float, detection: DetectionSettings, judge) -> dict:
    estimator = make_pose_estimator(MODEL, detection, video=True, resize=resize_rgb)
    counts, presence, right, first = [], [], [], []
    started = time.perf_counter()
    try:
        for i, image in enumerate(images):
            landmarks = estimator.detect(image, round(i * 1000 / fps))
            counts.append(len(landmarks))
            right.append(judge(i, landmarks, image))
            h, w = image.shape[:2]
            first.append(landmarks[int(np.argmax(landmarks[..., 4].sum(axis=1)))][:, :2] * [w, h]
                         if len(landmarks) else None)
            if len(landmarks):
                presence.append(float(landmarks[..., 4].mean()))
    finally:
        estimator.close()
    return {"per_frame": float(np.mean(counts)), "right": float(np.mean(right)),
            "with_person": float(np.mean(np.array(counts) > 0)), "first": first,
            "presence": float(np.mean(presence)) if presence else float("nan"),
            "comb": float(np.mean([_comb(im) for im in images])),
            "ms": 1000 * (time.perf_counter() - started) / len(images)}


def _read(path: Path, progressive: bool) -> tuple[list[np.ndarray], float]:
    info = probe(path)
    if progressive:
        info = replace(info, scan="progressive")
    started = time.perf_counter()
    images = [f.image for f in VideoReader(path, info).frames()]
    return images, 1000 * (time.perf_counter() - started) / len(images)


def run_clip(name: str, source: Path, frames: int, sar: Fraction, skip: int,
             folder: Path, detection: DetectionSettings) -> None:
    from app.pose.merge import pose_boxes
    from tests.helpers.aspect_clips import squeeze, weave, write_stored
    from tests.helpers.foreground import (
        MIN_FOREGROUND_SHARE,
        background,
        foreground_mask,
        foreground_share,
    )
    fields = frames_of(source, skip + 2 * frames)[skip:]
    # A person counts as right when their box covers moving foreground in
    # the first field's moment (the picture the frame stands for).
    bg = background(source)
    masks = [foreground_mask(f, bg) for f in fields[0::2]]

    def judge(i: int, landmarks: np.ndarray, image: np.ndarray) -> int:
        mask = masks[i]
        if image.shape[:2] != mask.shape:
            mask = resize_rgb(mask[..., None].repeat(3, 2).astype(np.uint8) * 255,
                              image.shape[1], image.shape[0])[..., 0] > 127
        boxes = pose_boxes(landmarks, image.shape[1], image.shape[0])
        return sum(foreground_share(mask, b) >= MIN_FOREGROUND_SHARE for b in boxes)

    fps = float(probe(source).fps) / 2
    stored = squeeze(fields, sar) if sar != 1 else fields
    clip = write_stored(folder / f"{name}.mp4", weave(stored, True), sar=sar, interlaced="tff",
                        rate=Fraction(round(fps)))
    info = probe(clip)
    print(f"\n{name}: {len(fields) // 2} frames woven from {source.name} "
          f"({info.stored_width}x{info.stored_height} at {sar.numerator}:{sar.denominator}, "
          f"shown {info.width}x{info.height}, scan {info.scan})")
    print(f"{'':28s}{'people/frame':>13s}{'on movers':>10s}{'with person':>12s}{'presence':>10s}"
          f"{'off ref px':>11s}{'comb':>7s}{'read ms/f':>10s}{'pose ms/f':>10s}")
    first = [resize_rgb(f, info.width, info.height) for f in fields[0::2]]
    reference = write_clip(folder / f"{name}_first_fields.mp4", first,
                           rate=Fraction(round(fps)), time_base=Fraction(1, round(fps)))
    runs = {}
    for label, path, progressive in (("first fields, progressive", reference, False),
                                     ("woven (no deinterlacing)", clip, True),
                                     ("deinterlaced (bwdif)", clip, False)):
        images, read_ms = _read(path, progressive)
        runs[label] = r = _people(images, fps, detection, judge)
        # The most confident person's median landmark distance from the
        # progressive picture's, where both found someone.
        ref = runs["first fields, progressive"]["first"]
        off = [float(np.median(np.hypot(*(a - b).T))) for a, b in zip(r["first"], ref)
               if a is not None and b is not None]
        print(f"{label:28s}{r['per_frame']:13.2f}{r['right']:10.2f}{100 * r['with_person']:11.0f}%"
              f"{r['presence']:10.3f}{np.median(off) if off else float('nan'):11.1f}"
              f"{r['comb']:7.2f}{read_ms:10.2f}{r['ms']:10.1f}")


def run_decode(folder: Path) -> None:
    from tests.helpers.aspect_clips import squeeze, write_stored
    carphone = SHARED / "media" / "carphone_pristine.mp4"
    dv = write_stored(folder / "vtest_dv.mp4", squeeze(frames_of(VTEST, 100), Fraction(16, 15)),
                      sar=Fraction(16, 15))
    print("\nreading frames (VideoReader, ms per frame, best of 3 runs)")
    for path in (VTEST, carphone, dv):
        info = probe(path)
        best = float("inf")
        for _ in range(3):
            started, n = time.perf_counter(), 0
            for _frame in VideoReader(path, info).frames():
                n += 1
            best = min(best, 1000 * (time.perf_counter() - started) / n)
        print(f"  {path.name:24s} {n:4d} frames, shown {info.width}x{info.height}: {best:.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=60, help="interlaced frames per clip")
    parser.add_argument("--only", nargs="+", choices=("fall", "vtest", "decode"),
                        default=("fall", "vtest", "decode"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="posecloak-interlace-") as tmp:
        folder = Path(tmp)
        if "fall" in args.only:
            run_clip("fall", FALL, args.frames, Fraction(1), 0, folder, DetectionSettings())
        if "vtest" in args.only:
            run_clip("vtest", VTEST, args.frames, Fraction(16, 15), 100, folder,
                     DetectionSettings(max_people=16))
        if "decode" in args.only:
            run_decode(folder)


if __name__ == "__main__":
    main()
