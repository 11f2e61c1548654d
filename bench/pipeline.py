"""Pipeline throughput: conversion fps against MediaPipe inference alone.

    uv run python bench/pipeline.py [--videos vtest.avi carphone_pristine.mp4] [--long]

For each video, in one run (so machine noise hits all figures alike):
- inference fps: one landmarker (VIDEO mode) on the same decoded frames,
  timing only the detect calls;
- conversion fps with --jobs 1 and with the default (one worker per core),
  wall time of the whole conversion (probe, model load, decode, pose,
  render, encode, mux);
- their ratio, and the peak RSS of each run (each measured in a fresh
  subprocess, so one run's memory cannot hide another's).
--long also converts a clip three times as long as vtest and prints both
peak RSS figures, to show memory stays flat with length.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def child_infer(path: Path, model: Path) -> dict:
    from app.base.settings import DetectionSettings
    from app.media.video import VideoReader
    from app.pose.estimator import PoseEstimator
    spent = 0.0
    frames = 0
    with PoseEstimator(model, DetectionSettings()) as estimator:
        for frame in VideoReader(path).frames():
            t0 = time.perf_counter()
            estimator.detect(frame.image, round(frame.time_s * 1000))
            spent += time.perf_counter() - t0
            frames += 1
    return {"frames": frames, "fps": frames / spent, "rss_mb": _peak_rss_mb()}


def child_convert(path: Path, model: Path, jobs: int) -> dict:
    from app.base.settings import SkeletonSettings
    from app.engine.jobs import ConvertJob
    from app.engine.pipeline import convert
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result = convert(ConvertJob(path, Path(tmp) / "out.mp4", SkeletonSettings(jobs=jobs)), model)
        wall = time.perf_counter() - t0
    return {"frames": result.frames, "fps": result.frames / wall, "jobs": result.jobs,
            "rss_mb": _peak_rss_mb()}


def _in_subprocess(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True,
                         text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return json.loads(out.stdout.strip().splitlines()[-1])


def _make_long_clip(src: Path, repeats: int, dest: Path) -> Path:
    """The source's frames `repeats` times over, as one H.264 file."""
    from fractions import Fraction

    import av

    from app.media.video import VideoReader, probe
    info = probe(src)
    with av.open(str(dest), "w") as out:
        stream = out.add_stream("libx264", rate=info.fps)
        stream.width, stream.height, stream.pix_fmt = info.width, info.height, "yuv420p"
        tb = Fraction(1, int(info.fps)) if info.fps.denominator == 1 else info.time_base
        stream.time_base = stream.codec_context.time_base = tb
        n = 0
        for _ in range(repeats):
            for frame in VideoReader(src, info).frames():
                vf = av.VideoFrame.from_ndarray(frame.image, format="rgb24")
                vf.pts = n
                vf.time_base = tb
                out.mux(stream.encode(vf))
                n += 1
        out.mux(stream.encode(None))
    return dest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", nargs="+", default=["vtest.avi", "carphone_pristine.mp4"])
    parser.add_argument("--model", type=Path,
                        default=Path(os.environ.get("POSECLOAK_MODEL",
                                                    SHARED / "models" / "pose_landmarker_full.task")))
    parser.add_argument("--long", action="store_true", help="also check memory on a 3x longer clip")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, path = args.child[0], Path(args.child[1])
        result = (child_infer(path, args.model) if kind == "infer"
                  else child_convert(path, args.model, int(args.child[2])))
        print(json.dumps(result))
        return 0

    print(f"cores: {os.cpu_count()}  model: {args.model.name}")
    header = f"{'video':24} {'frames':>6} {'infer fps':>9} {'jobs=1 fps':>10} {'ratio':>6} " \
             f"{'default fps':>11} {'jobs':>4} {'ratio':>6} {'peak RSS MB (infer/1/default)':>30}"
    print(header)
    for name in args.videos:
        path = Path(name) if Path(name).exists() else SHARED / "media" / name
        infer = _in_subprocess("infer", str(path))
        one = _in_subprocess("convert", str(path), "1")
        default = _in_subprocess("convert", str(path), "0")
        print(f"{path.name:24} {infer['frames']:>6} {infer['fps']:>9.1f} {one['fps']:>10.1f} "
              f"{one['fps'] / infer['fps']:>6.2f} {default['fps']:>11.1f} {default['jobs']:>4} "
              f"{default['fps'] / infer['fps']:>6.2f} "
              f"{infer['rss_mb']:>10.0f} /{one['rss_mb']:>6.0f} /{default['rss_mb']:>6.0f}")
    if args.long:
        src = SHARED / "media" / "vtest.avi"
        with tempfile.TemporaryDirectory() as tmp:
            long_clip = _make_long_clip(src, 3, Path(tmp) / "vtest_x3.mp4")
            short = _in_subprocess("convert", str(src), "0")
            long = _in_subprocess("convert", str(long_clip), "0")
        print(f"memory vs length: {short['frames']} frames -> peak {short['rss_mb']:.0f} MB; "
              f"{long['frames']} frames -> peak {long['rss_mb']:.0f} MB "
              f"(x{long['rss_mb'] / short['rss_mb']:.2f} for x{long['frames'] / short['frames']:.0f} length)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
