"""Clips with non-square pixels and interlaced clips, made with PyAV as a
camcorder or broadcast encoder writes them: the picture stored at another
width with a sample aspect ratio (SAR) in the stream, and two fields taken
at different times woven into each frame."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from app.media.images import resize_rgb


def stored_width(display_width: int, sar: Fraction) -> int:
    """The even stored width that a player shows at `display_width` with `sar`."""
    return max(2, 2 * round(display_width / sar / 2))


def squeeze(frames: list[np.ndarray], sar: Fraction) -> list[np.ndarray]:
    """Square-pixel pictures resampled to the stored width for `sar` (height kept)."""
    h, w = frames[0].shape[:2]
    return [resize_rgb(f, stored_width(w, sar), h) for f in frames]


def weave(frames: list[np.ndarray], top_first: bool) -> list[np.ndarray]:
    """Interlaced pictures from progressive ones at twice the rate: frame i
    holds the first field (top lines for top-field-first, bottom lines for
    bottom-field-first) of picture 2i and the second field of picture 2i+1."""
    out = []
    for first, second in zip(frames[0::2], frames[1::2]):
        woven = second.copy()
        rows = slice(0, None, 2) if top_first else slice(1, None, 2)
        woven[rows] = first[rows]
        out.append(woven)
    return out


def write_stored(path: Path, frames: list[np.ndarray], *, sar: Fraction = Fraction(1),
                 interlaced: str | None = None, rotation: int = 0,
                 rate: Fraction = Fraction(25), codec: str = "libx264",
                 container_format: str | None = None) -> Path:
    """Writes stored pictures with `sar` in the stream; `interlaced` is
    "tff" or "bff" (x264's interlaced coding with that field order), or
    None for progressive."""
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w", format=container_format) as out:
        vs = out.add_stream(codec, rate=rate)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.codec_context.sample_aspect_ratio = sar
        if interlaced is not None:
            vs.options = {"x264-params": f"interlaced=1:{interlaced}=1"}
        if rotation:
            vs.set_display_rotation(rotation)
        for i, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            frame.pts = i
            out.mux(vs.encode(frame))
        out.mux(vs.encode(None))
    return path


def stream_geometry(path: Path) -> tuple[int, int, Fraction | None]:
    """(width, height, SAR) as the file's video stream states them."""
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        return s.width, s.height, s.sample_aspect_ratio
