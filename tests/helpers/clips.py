"""Generates test clips with PyAV: audio tracks, odd sizes, VFR, tags, rotation."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from app.media.video import iter_frames


def write_clip(path: Path, frames: list[np.ndarray], *, pts: list[int] | None = None,
               time_base: Fraction = Fraction(1, 30), rate: Fraction = Fraction(30),
               codec: str = "libx264", pix_fmt: str = "yuv420p",
               audio: str | None = None, audio_seconds: float | None = None,
               metadata: dict[str, str] | None = None, rotation: int = 0,
               container_format: str | None = None) -> Path:
    """Writes RGB frames; `audio` names an encoder ('aac', 'pcm_s16le', 'libopus', ...)."""
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w", format=container_format) as out:
        if metadata:
            out.metadata.update(metadata)
        vs = out.add_stream(codec, rate=rate)
        vs.width, vs.height, vs.pix_fmt = w, h, pix_fmt
        vs.time_base = time_base
        vs.codec_context.time_base = time_base
        if rotation:
            vs.set_display_rotation(rotation)
        a_stream = None
        if audio:
            a_stream = out.add_stream(audio, rate=48000)
            a_stream.layout = "stereo"
        stamps = pts if pts is not None else list(range(len(frames)))
        for img, p in zip(frames, stamps):
            f = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
            f.pts, f.time_base = int(p), time_base
            out.mux(vs.encode(f))
        out.mux(vs.encode(None))
        if a_stream is not None:
            seconds = audio_seconds if audio_seconds is not None else float(
                (stamps[-1] + 1) * time_base)
            _write_tone(out, a_stream, seconds)
    return path


def _write_tone(out, stream, seconds: float) -> None:
    rate, n = 48000, 1024
    total = int(seconds * rate)
    t0 = 0
    fmt = stream.codec_context.format.name if stream.codec_context.format else "fltp"
    while t0 < total:
        t = (np.arange(t0, min(total, t0 + n)) / rate).astype(np.float32)
        tone = 0.3 * np.sin(2 * np.pi * 440 * t)
        planar = np.stack([tone, tone])
        frame = av.AudioFrame.from_ndarray(planar.astype(np.float32), format="fltp", layout="stereo")
        frame.sample_rate = rate
        frame.pts = t0
        if fmt != "fltp":
            resampler = av.AudioResampler(format=fmt, layout="stereo", rate=rate)
            frames = resampler.resample(frame)
        else:
            frames = [frame]
        for fr in frames:
            out.mux(stream.encode(fr))
        t0 += n
    out.mux(stream.encode(None))


def frames_of(path: Path, limit: int | None = None) -> list[np.ndarray]:
    out = []
    for f in iter_frames(path):
        out.append(f.image)
        if limit is not None and len(out) >= limit:
            break
    return out
