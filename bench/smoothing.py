"""Benchmark: landmark jitter and lag with One-Euro smoothing (issue 6).

    .venv/bin/python -m bench.smoothing [--model PATH] [--frames N]

1. Jitter: a still photo (messi5.jpg, basketball1.png) repeated as a 30 fps
   video with fresh Gaussian sensor noise (sigma 4) on every frame: identical
   frames would give MediaPipe nothing to jitter on. Landmark jitter is the
   std over frames of each confident landmark's position, in pixels, averaged
   over landmarks, without and with smoothing.
2. Lag: the same photo panned sideways (60 px amplitude, 0.5 Hz, with the
   same noise), so the person really moves; lag is the shift in frames
   between the raw and the smoothed landmark tracks (tests/helpers/measure.py lag_frames).
3. The same lag on synthetic trajectories (no model, no noise).

Frames go to the landmarker straight from memory (as if losslessly
encoded): H.264 would remove much of the noise. The landmarker looks for up
to 4 people (the app's default), so MediaPipe's own smoothing, which only
runs for one person, is off, as it is in the app.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.base.settings import DetectionSettings, PeopleSettings
from app.base.types import PoseFrame  # noqa: E402
from app.people.processor import PeopleProcessor  # noqa: E402
from app.pose.estimator import PoseEstimator  # noqa: E402
from tests.helpers.measure import jitter_px, lag_frames  # noqa: E402

MEDIA = Path(os.environ.get("POSECLOAK_SHARED", ROOT.parent / "shared")) / "media"
MODEL = ROOT.parent / "shared" / "models" / "pose_landmarker_full.task"
FPS = 30.0
SIGMA = 4.0
STRENGTHS = (0.25, 0.5, 0.75, 1.0)


def noisy(image: np.ndarray, rng: np.random.Generator, sigma: float = SIGMA) -> np.ndarray:
    return np.clip(image + rng.normal(0.0, sigma, image.shape), 0, 255).astype(np.uint8)


def still_frames(image: np.ndarray, count: int, seed: int = 0) -> list[np.ndarray]:
    """The image `count` times, each with its own sensor noise."""
    rng = np.random.default_rng(seed)
    return [noisy(image, rng) for _ in range(count)]


def panned_frames(image: np.ndarray, count: int, amplitude: float = 60.0, hz: float = 0.5,
                  seed: int = 1) -> list[np.ndarray]:
    """The image moved sideways on a sine (amplitude px, hz) with noise."""
    rng = np.random.default_rng(seed)
    h, w = image.shape[:2]
    out = []
    for i in range(count):
        shift = amplitude * np.sin(2 * np.pi * hz * i / FPS)
        m = np.float32([[1, 0, shift], [0, 1, 0]])
        out.append(noisy(cv2.warpAffine(image, m, (w, h), borderMode=cv2.BORDER_REPLICATE), rng))
    return out


def detect(model: Path, frames: list[np.ndarray]) -> list[PoseFrame]:
    """Raw pose frames (VIDEO mode, up to 4 people) for frames at FPS."""
    h, w = frames[0].shape[:2]
    out = []
    with PoseEstimator(model, DetectionSettings(max_people=4), video=True) as est:
        for i, rgb in enumerate(frames):
            out.append(PoseFrame(index=i, time_s=i / FPS, width=w, height=h,
                                 landmarks=est.detect(rgb, round(i * 1000 / FPS))))
    return out


def processed(frames: list[PoseFrame], strength: float) -> list[PoseFrame]:
    proc = PeopleProcessor(PeopleSettings(smoothing=strength), FPS)
    out = [p for f in frames for p in proc.push(f)]
    return out + proc.flush()


def main_track(frames: list[PoseFrame]) -> tuple[np.ndarray, np.ndarray]:
    """(frames, 33, 2) pixels of the person with ID 0 (must be in every
    frame), and which landmarks were confident in all frames."""
    rows = [f.ids.index(0) for f in frames]
    pts = np.stack([f.pixels()[r] for f, r in zip(frames, rows)])
    conf = np.stack([(f.landmarks[r, :, 3] >= 0.5) & (f.landmarks[r, :, 4] >= 0.5)
                     for f, r in zip(frames, rows)]).all(axis=0)
    return pts, conf


def jitter_for(raw: list[PoseFrame], strength: float) -> tuple[float, float]:
    """(raw jitter px, smoothed jitter px) over the confident landmarks."""
    base, conf = main_track(processed(raw, 0.0))
    smooth, _ = main_track(processed(raw, strength))
    return jitter_px(base[:, conf]), jitter_px(smooth[:, conf])


def lag_for(raw: list[PoseFrame], strength: float) -> float:
    base, conf = main_track(processed(raw, 0.0))
    smooth, _ = main_track(processed(raw, strength))
    return lag_frames(base[:, conf, 0], smooth[:, conf, 0])


def synthetic_motion(count: int = 90, size: float = 300.0, amplitude: float = 0.25,
                     hz: float = 0.5) -> list[PoseFrame]:
    """A rigid 33-point 'person' about `size` px tall swaying sideways by
    `amplitude` person sizes at `hz` (peak speed amplitude * 2 pi hz sizes/s;
    walking is about 0.8)."""
    rng = np.random.default_rng(3)
    shape = rng.uniform(-0.5, 0.5, (33, 2)) * size
    width = height = 1000
    frames = []
    for i in range(count):
        centre = np.array([500 + amplitude * size * np.sin(2 * np.pi * hz * i / FPS), 500])
        lm = np.zeros((1, 33, 5), np.float32)
        lm[0, :, :2] = (shape + centre) / [width, height]
        lm[0, :, 3:] = 1.0
        frames.append(PoseFrame(index=i, time_s=i / FPS, width=width, height=height, landmarks=lm))
    return frames


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=Path(os.environ.get("POSECLOAK_MODEL", MODEL)))
    ap.add_argument("--frames", type=int, default=60)
    args = ap.parse_args(argv)
    from app.media.images import read_image

    print(f"One-Euro smoothing, {FPS:g} fps, sensor noise sigma {SIGMA:g}, {args.frames} frames")
    for name in ("messi5.jpg", "basketball1.png"):
        image = read_image(MEDIA / name)
        raw = detect(args.model, still_frames(image, args.frames))
        print(f"\njitter on {name} ({image.shape[1]}x{image.shape[0]}), px std over frames:")
        for s in STRENGTHS:
            before, after = jitter_for(raw, s)
            print(f"  strength {s:4.2f}: raw {before:5.2f}  smoothed {after:5.2f}  "
                  f"reduction {before / after:4.1f}x")
    image = read_image(MEDIA / "messi5.jpg")
    moving = detect(args.model, panned_frames(image, args.frames))
    print("\nlag on messi5.jpg panned 60 px at 0.5 Hz (real model), frames:")
    for s in STRENGTHS:
        print(f"  strength {s:4.2f}: {lag_for(moving, s):4.2f}")
    for amplitude in (0.1, 0.25, 1.0):
        synth = synthetic_motion(amplitude=amplitude)
        print(f"lag on a synthetic person swaying {amplitude:g} sizes at 0.5 Hz "
              f"(peak {amplitude * np.pi:.2f} sizes/s), frames:")
        for s in STRENGTHS:
            print(f"  strength {s:4.2f}: {lag_for(synth, s):4.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
