"""Benchmark: skeleton drawing cost per frame (NumPy raster vs OpenCV).

    .venv/bin/python -m bench.render [--people N] [--repeat N]

PoseCloak draws with its own NumPy distance-field raster (app/draw/raster.py)
so the app bundle needs no OpenCV. This prints the time to draw N people with
the default style at 360p, 720p and 1080p, next to the same skeleton drawn
with cv2.line/cv2.circle (LINE_AA) when OpenCV is installed (it is in the dev
environment, as a MediaPipe dependency), and the ratio of the two in one run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.base.landmarks import POSE_EDGES  # noqa: E402
from app.base.style import RenderStyle  # noqa: E402
from app.base.types import PoseFrame  # noqa: E402
from app.draw.render import SkeletonRenderer, render_scale  # noqa: E402

# A standing figure (normalised to its own box, 1 wide and 1 tall).
_FIGURE = {
    "nose": (0.5, 0.08), "left_shoulder": (0.78, 0.22), "right_shoulder": (0.22, 0.22),
    "left_elbow": (0.9, 0.42), "right_elbow": (0.1, 0.42), "left_wrist": (0.96, 0.6),
    "right_wrist": (0.04, 0.6), "left_hip": (0.68, 0.56), "right_hip": (0.32, 0.56),
    "left_knee": (0.7, 0.78), "right_knee": (0.3, 0.78), "left_ankle": (0.7, 1.0),
    "right_ankle": (0.3, 1.0),
}


def crowd(people: int, seed: int = 7) -> PoseFrame:
    """`people` standing figures side by side, each 80 % of the frame tall
    (one) down to a third of it (a crowd), with a little jitter per joint."""
    from app.base.landmarks import FACE_LANDMARKS, LANDMARK_NAMES
    rng = np.random.default_rng(seed)
    tall = max(0.33, 0.8 / people ** 0.5)
    wide = tall * 0.45
    lm = np.zeros((people, 33, 5), np.float32)
    for p in range(people):
        cx = (p + 0.5) / people
        for i, name in enumerate(LANDMARK_NAMES):
            fx, fy = _FIGURE.get(name, (0.5 + rng.uniform(-0.06, 0.06), 0.06)
                                 if i in FACE_LANDMARKS else (0.5, 0.6))
            if name.endswith(("pinky", "index", "thumb", "heel", "foot_index")):
                side = "left" if name.startswith("left") else "right"
                part = "wrist" if name.endswith(("pinky", "index", "thumb")) else "ankle"
                fx, fy = _FIGURE[f"{side}_{part}"]
                fy += 0.03
            lm[p, i, 0] = cx + (fx - 0.5) * wide + rng.normal(0, 0.002)
            lm[p, i, 1] = 0.5 + (fy - 0.5) * tall + rng.normal(0, 0.002)
            lm[p, i, 3:] = 0.9
    return PoseFrame(index=0, time_s=0.0, width=1, height=1, landmarks=lm,
                     ids=tuple(range(people)))


def draw_with_opencv(canvas: np.ndarray, pose: PoseFrame, style: RenderStyle) -> None:
    import cv2
    h, w = canvas.shape[:2]
    scale = render_scale(w, h)
    pts = np.round(pose.pixels(w, h) * 16).astype(np.int64)
    t = max(1, int(round(style.thickness * scale)))
    r = max(1, int(round(style.joint_radius * scale * 16)))
    for person in pts:
        for a, b in POSE_EDGES:
            cv2.line(canvas, tuple(person[a]), tuple(person[b]), style.color, t, cv2.LINE_AA, 4)
        for p in person:
            cv2.circle(canvas, tuple(p), r, style.color, -1, cv2.LINE_AA, 4)


def timed_pair(ours, ref, repeat: int) -> tuple[float, float]:
    """Median CPU ms per call of each (this thread's CPU time, so the other
    processes of a shared machine do not count), alternating call by call
    so what load remains (caches, memory bandwidth) hits both alike."""
    ours()  # warm up
    if ref is not None:
        ref()
    a, b = [], []
    for _ in range(repeat):
        t0 = time.thread_time()
        ours()
        t1 = time.thread_time()
        if ref is not None:
            ref()
        t2 = time.thread_time()
        a.append(t1 - t0)
        b.append(t2 - t1)
    return float(np.median(a)) * 1000.0, float(np.median(b)) * 1000.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args(argv)
    try:
        import cv2  # noqa: F401
        have_cv2 = True
    except ImportError:
        have_cv2 = False
    style = RenderStyle()
    pose = crowd(args.people)
    renderer = SkeletonRenderer(style)
    print(f"{args.people} standing people, default style, "
          f"median CPU time of {args.repeat} frames, alternating")
    print(f"{'size':>10} {'numpy ms':>9} {'opencv ms':>10} {'ratio':>6}")
    for w, h in ((640, 360), (1280, 720), (1920, 1080)):
        bg = np.zeros((h, w, 3), np.uint8)
        ref_fn = (lambda bg=bg: draw_with_opencv(bg.copy(), pose, style)) if have_cv2 else None
        ours, ref = timed_pair(lambda bg=bg: renderer.render(bg, pose), ref_fn, args.repeat)
        if have_cv2:
            print(f"{w}x{h:>5} {ours:9.2f} {ref:10.2f} {ours / ref:6.1f}")
        else:
            print(f"{w}x{h:>5} {ours:9.2f} {'-':>10} {'-':>6}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
