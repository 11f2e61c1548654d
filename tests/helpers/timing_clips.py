"""Clips with known times, made with PyAV, and where a file's picture and
sound really start and end: a late start, hand-set variable frame stamps
with their own durations, and PCM audio with a click at a known time."""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

CLICK_RATE = 48000


def write_timed_clip(path: Path, frames: list[np.ndarray], stamps: list[int], end: int,
                     time_base: Fraction = Fraction(1, 1000)) -> Path:
    """H.264 without B-frames at the given pts; each packet lasts until the
    next stamp and the last one until `end`, so the MP4's edit list (what
    players show) ends exactly at `end`."""
    h, w = frames[0].shape[:2]
    following = dict(zip(stamps, [*stamps[1:], end]))
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=30)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.time_base = vs.codec_context.time_base = time_base
        vs.options = {"bf": "0"}  # decode order = display order: durations are exact

        def mux(packets) -> None:
            for packet in packets:
                packet.duration = following[packet.pts] - packet.pts
                out.mux(packet)

        for image, pts in zip(frames, stamps):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            frame.pts, frame.time_base = pts, time_base
            mux(vs.encode(frame))
        mux(vs.encode(None))
    return path


def write_click_clip(path: Path, frames: list[np.ndarray], click_s: float, *,
                     audio_start_s: float = 0.0, seconds: float = 1.0) -> Path:
    """A MOV with 30 fps video and 16-bit PCM stereo audio (which MP4 cannot
    copy, so a conversion re-encodes it to AAC): silence with one 1 ms click
    at `click_s` seconds of presentation time."""
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w", format="mov") as out:
        vs = out.add_stream("libx264", rate=30)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        audio = out.add_stream("pcm_s16le", rate=CLICK_RATE)
        audio.layout = "stereo"
        for i, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            frame.pts = i
            out.mux(vs.encode(frame))
        out.mux(vs.encode(None))
        signal = np.zeros(int(seconds * CLICK_RATE), np.int16)
        at = round((click_s - audio_start_s) * CLICK_RATE)
        signal[at:at + CLICK_RATE // 1000] = 20000
        first = round(audio_start_s * CLICK_RATE)
        for t0 in range(0, len(signal), 1024):
            chunk = signal[t0:t0 + 1024]
            frame = av.AudioFrame.from_ndarray(np.stack([chunk, chunk]).T.reshape(1, -1).copy(),
                                               format="s16", layout="stereo")
            frame.sample_rate, frame.pts = CLICK_RATE, first + t0
            frame.time_base = Fraction(1, CLICK_RATE)
            out.mux(audio.encode(frame))
        out.mux(audio.encode(None))
    return path


def audio_onsets(path: Path) -> tuple[str, float, float]:
    """(codec, time of the first decoded sample, time of the first loud
    sample) of the file's first audio stream, in presentation seconds, as a
    player decodes it (priming samples that the edit list skips are gone)."""
    first = onset = None
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        codec = stream.codec_context.name
        for frame in container.decode(stream):
            t0 = float(frame.pts * frame.time_base)
            first = t0 if first is None else first
            samples = frame.to_ndarray().astype(np.float64)
            left = samples[0] if frame.format.is_planar else samples.reshape(-1)[::2]
            peak = 32767.0 if frame.format.name.startswith("s16") else 1.0
            loud = np.flatnonzero(np.abs(left) > 0.3 * peak)
            if loud.size:
                onset = t0 + loud[0] / frame.sample_rate
                break
    assert first is not None and onset is not None, f"{path.name}: no click found"
    return codec, first, onset


def _boxes(data: bytes, start: int, end: int):
    while start + 8 <= end:
        size, kind = struct.unpack(">I4s", data[start:start + 8])
        head = 8
        if size == 1:
            size, head = struct.unpack(">Q", data[start + 8:start + 16])[0], 16
        elif size == 0:
            size = end - start
        yield kind, start + head, start + size
        start += size


def _find(data: bytes, path: list[bytes], start: int = 0, end: int | None = None):
    end = len(data) if end is None else end
    for kind, body, stop in _boxes(data, start, end):
        if kind == path[0]:
            if len(path) == 1:
                return body, stop
            found = _find(data, path[1:], body, stop)
            if found is not None:
                return found
    return None


def mp4_video_end_s(path: Path) -> float:
    """Where an MP4's video track stops showing, in presentation seconds:
    the sum of its edit list's entries (empty edits included), in the movie
    timescale. This is what players go by, not the demuxer's durations."""
    data = Path(path).read_bytes()
    mvhd = _find(data, [b"moov", b"mvhd"])
    assert mvhd is not None
    version = data[mvhd[0]]
    timescale = struct.unpack(">I", data[mvhd[0] + (12 if version == 0 else 20):][:4])[0]
    for kind, body, stop in _boxes(data, *_find(data, [b"moov"])):
        if kind != b"trak" or _find(data, [b"mdia", b"minf", b"vmhd"], body, stop) is None:
            continue
        elst = _find(data, [b"edts", b"elst"], body, stop)
        assert elst is not None, f"{path.name}: the video track has no edit list"
        v = data[elst[0]]
        count = struct.unpack(">I", data[elst[0] + 4:elst[0] + 8])[0]
        entry, width = elst[0] + 8, (12 if v == 0 else 20)
        total = 0
        for _ in range(count):
            total += struct.unpack(">I" if v == 0 else ">Q", data[entry:entry + (4 if v == 0 else 8)])[0]
            entry += width
        return total / timescale
    raise AssertionError(f"{path.name}: no video track")
