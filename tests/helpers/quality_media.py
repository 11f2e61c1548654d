"""Pictures and clips with a known number of people, made from ../shared/media
(tests/test_quality_gate.py and bench/quality.py). Each count is by
construction: the people pasted in, or nobody (tree.avi)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from tests.helpers.clips import frames_of


def _read(path: Path) -> np.ndarray:
    from app.media.images import read_image
    return read_image(path)


def _canvas(h: int, w: int) -> np.ndarray:
    return np.full((h, w, 3), 40, np.uint8)  # dark grey: no edge the detector could mistake


def _paste(canvas: np.ndarray, img: np.ndarray, x: int, y: int) -> None:
    canvas[y:y + img.shape[0], x:x + img.shape[1]] = img


def carphone_upper_body(media: Path, frame: int = 0) -> np.ndarray:
    """carphone's man, head and shoulders only, close to the camera (140x100)."""
    return frames_of(media / "carphone_pristine.mp4", frame + 1)[frame][10:110, 20:160]


def two_upper_bodies(media: Path, scale: float = 3.0) -> np.ndarray:
    """Two people close to the camera side by side (carphone frames 0 and 70,
    upper bodies), enlarged: 2 people."""
    fr = frames_of(media / "carphone_pristine.mp4", 71)
    pair = np.concatenate([fr[0][10:110, 20:160], fr[70][10:110, 20:160]], axis=1)
    return cv2.resize(pair, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)


def small_in_large(media: Path, name: str = "messi5.jpg", factor: int = 3) -> np.ndarray:
    """A still pasted at its own size in the middle of a canvas `factor`
    times its width and height: the same people, small in the picture."""
    img = _read(media / name)
    h, w = img.shape[:2]
    canvas = _canvas(h * factor, w * factor)
    _paste(canvas, img, w * (factor // 2), h * (factor // 2))
    return canvas


def four_standing(media: Path) -> np.ndarray:
    """Four standing people side by side: basketball1's player twice (once
    mirrored) and messi5's player twice, each cut to their own strip: 4 people."""
    b = _read(media / "basketball1.png")[:, :260]
    m = _read(media / "messi5.jpg")[40:342, 150:440]
    m = cv2.resize(m, (round(m.shape[1] * 480 / m.shape[0]), 480), interpolation=cv2.INTER_CUBIC)
    strips = [b, m, b[:, ::-1], m[:, ::-1]]
    width = sum(s.shape[1] for s in strips) + 20 * 3
    canvas = _canvas(480, width)
    x = 0
    for s in strips:
        _paste(canvas, np.ascontiguousarray(s), x, 0)
        x += s.shape[1] + 20
    return canvas


def stills(media: Path) -> dict[str, tuple[np.ndarray, int]]:
    """Name -> (picture, number of people in it)."""
    return {
        "messi5": (_read(media / "messi5.jpg"), 1),
        "basketball1": (_read(media / "basketball1.png"), 1),
        "two upper bodies": (two_upper_bodies(media), 2),
        "upper body, padded tall": (_pad(carphone_upper_body(media), 100, 400), 1),
        "messi5 small (1/3)": (small_in_large(media), 1),
        "basketball1 small (1/3)": (small_in_large(media, "basketball1.png"), 1),
        "four standing": (four_standing(media), 4),
        "empty (tree.avi frame)": (frames_of(media / "tree.avi", 1)[0], 0),
    }


def _pad(img: np.ndarray, width_extra: int, height_extra: int) -> np.ndarray:
    h, w = img.shape[:2]
    canvas = _canvas(h + height_extra, w + width_extra)
    _paste(canvas, img, width_extra // 2, height_extra // 2)
    return canvas


def cut_clip(media: Path) -> tuple[list[np.ndarray], list[int]]:
    """carphone frames 0-59, 30 frames of tree.avi scaled to carphone's
    176x144, carphone 60-119, with hard cuts; and the people per frame."""
    car = frames_of(media / "carphone_pristine.mp4", 120)
    h, w = car[0].shape[:2]
    tree = [cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA)
            for f in frames_of(media / "tree.avi", 30)]
    frames = car[:60] + tree + car[60:120]
    return frames, [1] * 60 + [0] * len(tree) + [1] * 60
