"""Conversion speed against one landmarker, with where the CPU goes.

    uv run python -m bench.conversion [--video vtest.avi] [--background tree.avi]
                                      [--device cpu|gpu]

In one run, each in a fresh subprocess: one MediaPipe instance's inference
fps on the video's decoded frames (detect calls only), as many instances
at once as there are cores (each on its share of the frames, nothing else
running: the ceiling for that many pose workers), then `convert` with
the default settings (four people at most, one worker per core) on a
background video and on a colour, wall time of the whole conversion. It
prints the ratios to the inference fps and, per conversion, the CPU spent
per frame in each stage, in core-ms (thread CPU time of the calls, from
wrappers this script puts around them): decode (the source), background
(its decode and scaling), draw, encode, and the rest of the process's CPU:
inference (MediaPipe runs the model on threads of its own, so it is
counted there; one landmarker alone costs the core-ms printed with its
fps, its process's CPU over the detect calls) plus people tracking and
the queues. The wrappers cost a few
microseconds a call; the ratios are measured without them.

Last, per conversion, a bound: the fps it would reach if its pose workers
cost what the landmarkers alone do, with as many cores busy, and the rest
of the conversion were only that decode, background, draw and encode. On a
CPU-bound machine no pipeline around the same landmarkers can pass it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
STAGES = ("decode", "background", "draw", "encode", "inference")


class _Tally:
    """CPU seconds per stage, from any thread; nested stages count once, in
    the outer one (a background's own decoding is the background's)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self._lock = threading.Lock()
        self._local = threading.local()

    def wrap(self, stage: str, fn):
        def timed(*args, **kwargs):
            if getattr(self._local, "inside", False):
                return fn(*args, **kwargs)
            self._local.inside = True
            t0 = time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent = time.thread_time() - t0
                self._local.inside = False
                with self._lock:
                    self.spent[stage] += spent
        return timed

    def wrap_iterator(self, stage: str, gen_fn):
        def frames(*args, **kwargs):
            it = gen_fn(*args, **kwargs)
            step = self.wrap(stage, lambda: next(it, None))
            while (item := step()) is not None:
                yield item
        return frames


def _instrument(tally: _Tally) -> None:
    from app.draw.render import SkeletonRenderer
    from app.engine import backgrounds
    from app.media.encoder import VideoEncoder
    from app.media.video import VideoReader
    from app.pose.estimator import PoseEstimator
    VideoReader.frames = tally.wrap_iterator("decode", VideoReader.frames)
    for cls in (backgrounds.VideoBackground, backgrounds.SolidBackground):
        cls.frame_at = tally.wrap("background", cls.frame_at)
    SkeletonRenderer.render = tally.wrap("draw", SkeletonRenderer.render)
    VideoEncoder.write = tally.wrap("encode", VideoEncoder.write)
    VideoEncoder.close = tally.wrap("encode", VideoEncoder.close)
    PoseEstimator.detect = tally.wrap("inference", PoseEstimator.detect)


def child_infer(path: Path, model: Path, device: str) -> dict:
    from app.base.settings import DetectionSettings
    from app.media.video import VideoReader
    from app.pose.estimator import PoseEstimator
    spent, cpu, frames = 0.0, 0.0, 0
    with PoseEstimator(model, DetectionSettings(device=device)) as estimator:
        for frame in VideoReader(path).frames():
            t0, c0 = time.perf_counter(), time.process_time()
            estimator.detect(frame.image, round(frame.time_s * 1000))
            spent += time.perf_counter() - t0
            cpu += time.process_time() - c0
            frames += 1
    # MediaPipe runs the model on threads of its own: the process's CPU
    # time over the detect calls is what inference costs.
    return {"frames": frames, "fps": frames / spent, "core_ms": cpu * 1000 / frames,
            "device": estimator.device}


def child_infer_parallel(path: Path, model: Path, device: str, workers: int) -> dict:
    """`workers` landmarkers at once, each on its share of the decoded
    frames, nothing else running: the most a conversion with that many pose
    workers could reach on this machine."""
    from app.base.settings import DetectionSettings
    from app.media.video import VideoReader
    from app.pose.estimator import PoseEstimator
    frames = [(f.image, round(f.time_s * 1000)) for f in VideoReader(path).frames()]
    estimators = [PoseEstimator(model, DetectionSettings(device=device)) for _ in range(workers)]
    parts = [frames[i * len(frames) // workers:(i + 1) * len(frames) // workers]
             for i in range(workers)]

    def run(estimator, part) -> None:
        for image, ms in part:
            estimator.detect(image, ms)

    threads = [threading.Thread(target=run, args=pair) for pair in zip(estimators, parts)]
    t0, c0 = time.perf_counter(), time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    for estimator in estimators:
        estimator.close()
    return {"frames": len(frames), "fps": len(frames) / wall, "cores": cpu / wall,
            "core_ms": cpu * 1000 / len(frames)}


def child_convert(path: Path, model: Path, background: str, breakdown: bool,
                  device: str) -> dict:
    from app.base.settings import BackgroundSpec, DetectionSettings, SkeletonSettings
    from app.engine.jobs import ConvertJob
    from app.engine.pipeline import convert
    tally = _Tally()
    if breakdown:
        _instrument(tally)
    spec = BackgroundSpec(path=Path(background)) if Path(background).exists() else \
        BackgroundSpec(color=(20, 20, 30))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.mp4"
        cpu0, t0 = time.process_time(), time.perf_counter()
        result = convert(ConvertJob(path, out, SkeletonSettings(
            background=spec, detection=DetectionSettings(device=device))), model)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        size = out.stat().st_size
    per_frame = {k: tally.spent[k] * 1000 / result.frames for k in STAGES}
    # The landmarker's own threads are not the caller's: all of the
    # process's CPU that no wrapper saw is inference and everything else.
    per_frame["inference and rest"] = cpu * 1000 / result.frames - sum(per_frame.values()) \
        + per_frame.pop("inference")
    return {"frames": result.frames, "fps": result.frames / wall, "jobs": result.jobs,
            "cores": cpu / wall, "core_ms": per_frame, "bytes": size}


def _bound_fps(ceiling: dict, core_ms: dict) -> float:
    """The most a conversion could reach on this machine: the landmarkers'
    own core-ms per frame and cores busy when they run alone at once, plus
    the work every frame of a conversion needs besides (decoding it, its
    background, drawing, encoding), with nothing else: no tracking, no
    quality gate, no idle core. CPU-bound, fps = cores busy / core-ms."""
    around = sum(core_ms[k] for k in ("decode", "background", "draw", "encode"))
    return ceiling["cores"] * 1000.0 / (ceiling["core_ms"] + around)


def _in_subprocess(device: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.conversion", "--device", device,
                          "--child", *args],
                         capture_output=True, text=True, check=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", default="vtest.avi")
    parser.add_argument("--background", default="tree.avi")
    parser.add_argument("--model", type=Path, default=Path(os.environ.get(
        "POSECLOAK_MODEL", SHARED / "models" / "pose_landmarker_full.task")))
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, path = args.child[0], Path(args.child[1])
        if kind == "infer":
            result = child_infer(path, args.model, args.device)
        elif kind == "parallel":
            result = child_infer_parallel(path, args.model, args.device, int(args.child[2]))
        else:
            result = child_convert(path, args.model, args.child[2], args.child[3] == "1",
                                   args.device)
        print(json.dumps(result))
        return 0

    video = Path(args.video) if Path(args.video).exists() else SHARED / "media" / args.video
    bg_video = Path(args.background) if Path(args.background).exists() \
        else SHARED / "media" / args.background
    print(f"cores: {os.cpu_count()}  video: {video.name}  model: {args.model.name}")
    infer = _in_subprocess(args.device, "infer", str(video))
    print(f"one landmarker on the {infer['device'].upper()}: {infer['fps']:.1f} fps "
          f"({infer['frames']} frames), "
          f"{infer['core_ms']:.1f} core-ms per frame")
    workers = os.cpu_count() or 1
    ceiling = _in_subprocess(args.device, "parallel", str(video), str(workers))
    print(f"{workers} landmarkers at once, nothing else: {ceiling['fps']:.1f} fps = "
          f"{ceiling['fps'] / infer['fps']:.2f}x one landmarker ({ceiling['cores']:.2f} cores "
          f"busy, {ceiling['core_ms']:.1f} core-ms per frame): the most {workers} pose "
          "workers could reach")
    for label, background in ((f"background video {bg_video.name}", str(bg_video)),
                              ("colour background", "colour")):
        plain = _in_subprocess(args.device, "convert", str(video), background, "0")
        timed = _in_subprocess(args.device, "convert", str(video), background, "1")
        print(f"{label}: convert {plain['fps']:.1f} fps = {plain['fps'] / infer['fps']:.2f}x "
              f"one landmarker ({plain['jobs']} workers, {plain['cores']:.2f} cores busy, "
              f"{plain['bytes'] / 1e6:.2f} MB)")
        parts = "  ".join(f"{k} {v:.1f}" for k, v in timed["core_ms"].items())
        print(f"  core-ms per frame: {parts}  (total {sum(timed['core_ms'].values()):.1f})")
        bound = _bound_fps(ceiling, timed["core_ms"])
        print(f"  bound: {bound:.1f} fps = {bound / infer['fps']:.2f}x one landmarker, if the "
              f"pose workers cost what {workers} landmarkers alone do, with their cores busy, "
              "and the conversion did only its decode, background, draw and encode besides")
    return 0


if __name__ == "__main__":
    sys.exit(main())
