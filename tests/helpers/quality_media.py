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


def standing_strips(media: Path) -> dict[str, np.ndarray]:
    """The standing people of four_standing, each cut to their own strip,
    480 high: "b" basketball1's player, "m" messi5's, capitals mirrored."""
    b = _read(media / "basketball1.png")[:, :260]
    m = _read(media / "messi5.jpg")[40:342, 150:440]
    m = cv2.resize(m, (round(m.shape[1] * 480 / m.shape[0]), 480), interpolation=cv2.INTER_CUBIC)
    return {"b": b, "m": m, "B": np.ascontiguousarray(b[:, ::-1]),
            "M": np.ascontiguousarray(m[:, ::-1])}


def side_by_side(media: Path, order: str = "bmBM", gap: int = 20, scale: float = 1.0,
                 height: int = 480, tops: tuple[int, ...] | None = None
                 ) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """standing_strips in `order`, scaled, `gap` px apart, strip i `tops[i]`
    px from the top of a canvas `height` high: the picture and each strip's
    [x0, x1) (one person each)."""
    strips = standing_strips(media)
    parts = [strips[c] if scale == 1.0 else cv2.resize(strips[c], None, fx=scale, fy=scale,
                                                       interpolation=cv2.INTER_AREA)
             for c in order]
    tops = tops or (0,) * len(parts)
    canvas = _canvas(height, sum(p.shape[1] for p in parts) + gap * (len(parts) - 1))
    x, spans = 0, []
    for part, top in zip(parts, tops):
        _paste(canvas, part, x, top)
        spans.append((x, x + part.shape[1]))
        x += part.shape[1] + gap
    return canvas, spans


def four_standing(media: Path) -> np.ndarray:
    """Four standing people side by side: basketball1's player twice (once
    mirrored) and messi5's player twice, each cut to their own strip: 4 people."""
    return side_by_side(media)[0]


def stills(media: Path) -> dict[str, tuple[np.ndarray, int]]:
    """Name -> (picture, number of people in it)."""
    return {
        "messi5": (_read(media / "messi5.jpg"), 1),
        # Two people: the player, and the man on the right seen from the side,
        # half cut by the frame (labelled 1 until the person detector's
        # top-down crop found him, issue 26).
        "basketball1": (_read(media / "basketball1.png"), 2),
        "two upper bodies": (two_upper_bodies(media), 2),
        "upper body, padded tall": (_pad(carphone_upper_body(media), 100, 400), 1),
        "messi5 small (1/3)": (small_in_large(media), 1),
        "basketball1 small (1/3)": (small_in_large(media, "basketball1.png"), 2),
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
