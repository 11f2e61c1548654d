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
(default settings, VIDEO mode, quality gate on) runs on every frame; people
are the gate's reported people. The progressive first-field frames are run
too, as the best the clip could give.

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


def _people(images: list[np.ndarray], fps: float) -> dict:
    estimator = make_pose_estimator(MODEL, DetectionSettings(), video=True, resize=resize_rgb)
    counts, presence = [], []
    started = time.perf_counter()
    try:
        for i, image in enumerate(images):
            landmarks = estimator.detect(image, round(i * 1000 / fps))
            counts.append(len(landmarks))
            if len(landmarks):
                presence.append(float(landmarks[..., 4].mean()))
    finally:
        estimator.close()
    return {"per_frame": float(np.mean(counts)), "with_person": float(np.mean(np.array(counts) > 0)),
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


def run_clip(name: str, source: Path, frames: int, sar: Fraction, width: int, skip: int,
             folder: Path) -> None:
    from tests.helpers.aspect_clips import squeeze, weave, write_stored
    fields = frames_of(source, skip + 2 * frames)[skip:]
    fps = float(probe(source).fps) / 2
    stored = squeeze(fields, sar) if sar != 1 else fields
    clip = write_stored(folder / f"{name}.mp4", weave(stored, True), sar=sar, interlaced="tff",
                        rate=Fraction(round(fps)))
    info = probe(clip)
    print(f"\n{name}: {len(fields) // 2} frames woven from {source.name} "
          f"({info.stored_width}x{info.stored_height} at {sar.numerator}:{sar.denominator}, "
          f"shown {info.width}x{info.height}, scan {info.scan})")
    print(f"{'':28s}{'people/frame':>13s}{'with person':>12s}{'presence':>10s}"
          f"{'comb':>7s}{'read ms/f':>10s}{'pose ms/f':>10s}")
    first = [resize_rgb(f, info.width, info.height) for f in fields[0::2]]
    reference = write_clip(folder / f"{name}_first_fields.mp4", first,
                           rate=Fraction(round(fps)), time_base=Fraction(1, round(fps)))
    for label, path, progressive in (("woven (no deinterlacing)", clip, True),
                                     ("deinterlaced (bwdif)", clip, False),
                                     ("first fields, progressive", reference, False)):
        images, read_ms = _read(path, progressive)
        r = _people(images, fps)
        print(f"{label:28s}{r['per_frame']:13.2f}{100 * r['with_person']:11.0f}%"
              f"{r['presence']:10.3f}{r['comb']:7.2f}{read_ms:10.2f}{r['ms']:10.1f}")


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
            run_clip("fall", FALL, args.frames, Fraction(1), 640, 0, folder)
        if "vtest" in args.only:
            run_clip("vtest", VTEST, args.frames, Fraction(16, 15), 768, 100, folder)
        if "decode" in args.only:
            run_decode(folder)


if __name__ == "__main__":
    main()
