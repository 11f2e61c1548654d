"""Decoded pictures brought to their display geometry: square pixels at the
display aspect, deinterlaced, upright.

A stored picture may have non-square pixels (a sample aspect ratio, SAR:
PAL DV 720x576 at 16:15 or 64:45, NTSC 720x480 at 8:9, HDV 1440x1080 at
4:3) that every player stretches to the display aspect, and may be
interlaced (two fields woven together, taken 1/50 or 1/60 s apart). The
pose model, drawing, analysis and the output all see the display geometry:
the stored width is scaled by the SAR (the height kept, both made even) in
the same swscale pass that converts to RGB, so no extra pass is added; an
interlaced source goes through FFmpeg's `bwdif` first, one frame out per
frame in (`mode=send_frame`), so frame counts and timestamps stay the
source's. A progressive source with square pixels takes the same single
conversion as before (no scaler of its own, no filter).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

# FFmpeg's AVFieldOrder values: which field comes first on display.
_TOP_FIRST = {2, 4}  # AV_FIELD_TT, AV_FIELD_TB
_BOTTOM_FIRST = {3, 5}  # AV_FIELD_BB, AV_FIELD_BT

PROGRESSIVE, TOP_FIRST, BOTTOM_FIRST, FLAGGED = "progressive", "tff", "bff", "flagged"

# A SAR outside this range is broken metadata, not a real pixel shape
# (the widest in use is 2:1, anamorphic 1440x1080 at 4:3 is 1.33).
_SAR_RANGE = (Fraction(1, 4), Fraction(4))


def sample_aspect(value) -> Fraction:
    """The SAR as a Fraction: 1 when unknown (0/1, None) or implausible."""
    try:
        sar = Fraction(value) if value else Fraction(1)
    except (TypeError, ValueError, ZeroDivisionError):
        return Fraction(1)
    return sar if _SAR_RANGE[0] <= sar <= _SAR_RANGE[1] else Fraction(1)


def scan_of(field_order: int | None, flagged: bool) -> str:
    """How a stream is scanned, from its codec's field order and whether its
    first frame is flagged interlaced. The stream's field order wins: an
    H.264 decoder flags x264's interlaced frames (no pic_struct SEI) as
    interlaced but never as top field first, while the parser reads the
    order right from the fields' picture order counts."""
    if field_order in _TOP_FIRST:
        return TOP_FIRST
    if field_order in _BOTTOM_FIRST:
        return BOTTOM_FIRST
    return FLAGGED if flagged else PROGRESSIVE


def _even(n: float) -> int:
    return max(2, 2 * round(n / 2))


@dataclass(frozen=True)
class Geometry:
    """A stream's stored picture and how it is shown."""

    width: int  # stored (coded) size, before rotation
    height: int
    sar: Fraction = Fraction(1)
    rotation: int = 0  # degrees counter-clockwise, a multiple of 90
    scan: str = PROGRESSIVE

    @property
    def square(self) -> bool:
        return self.sar == 1

    @property
    def interlaced(self) -> bool:
        return self.scan != PROGRESSIVE

    @property
    def scaled_size(self) -> tuple[int, int]:
        """The picture's size in square pixels before rotation: the stored
        width times the SAR, the height kept (as players do), both even.
        A square-pixel picture keeps its size, odd or not."""
        if self.square:
            return self.width, self.height
        return _even(self.width * self.sar), _even(self.height)

    @property
    def display_size(self) -> tuple[int, int]:
        """(width, height) as shown: square pixels, rotation applied."""
        w, h = self.scaled_size
        return (h, w) if self.rotation % 180 else (w, h)

    def describe_scan(self) -> str:
        return {PROGRESSIVE: "progressive",
                TOP_FIRST: "interlaced, top field first (deinterlaced with bwdif)",
                BOTTOM_FIRST: "interlaced, bottom field first (deinterlaced with bwdif)",
                FLAGGED: "interlaced (flagged frames; deinterlaced with bwdif)"}[self.scan]


class DisplayFrames:
    """Turns one stream's decoded frames, in order, into display pictures
    (RGB uint8, display size, upright). Belongs to the thread that decodes.

    `push(frame, tag)` hands in the next decoded frame and returns the
    (tag, picture) pairs now ready, `flush()` the rest at the end. The
    deinterlacer needs each frame's neighbours, so its pictures come one
    frame late. A frame pushed with tag None is context only: its picture
    is dropped (the frame before a seek target, or the one after a range's
    end, so a chunk's pictures equal a whole-file decode's).
    """

    def __init__(self, geometry: Geometry) -> None:
        self.geometry = geometry
        self._size = geometry.scaled_size
        # The reader's own scaler: VideoFrame.reformat shares one context per
        # thread (see encoder.py). Only where pixels are rescaled, so a
        # square-pixel source converts exactly as before.
        import av  # here, so that images.py can use Geometry without loading PyAV
        self._scaler = None if geometry.square else av.video.reformatter.VideoReformatter()
        self._graph = None
        self._shape: tuple[int, int, str] | None = None
        self._pending: deque = deque()  # (tag, frame) in the filter, oldest first
        self._failed = False

    @property
    def needs_context(self) -> bool:
        """Whether neighbouring frames change a picture (deinterlacing)."""
        return self.geometry.interlaced

    def push(self, frame, tag) -> list[tuple[object, np.ndarray]]:
        if not self.geometry.interlaced or self._failed:
            return [] if tag is None else [(tag, self._picture(frame))]
        import av
        out = []
        shape = (frame.width, frame.height, frame.format.name)
        if self._graph is not None and shape != self._shape:
            out = self.flush()  # the picture changed size mid-stream: a new filter
        self._pending.append((tag, frame))
        try:
            if self._graph is None:
                self._graph, self._shape = self._deinterlacer(frame), shape
            self._graph.push(frame)
            return out + self._pull()
        except (av.FFmpegError, ValueError):
            # A picture bwdif refuses (under 3 lines, an odd format from a
            # damaged stream): the frames go on as they are, none is lost.
            self._failed, self._graph = True, None
            pending, self._pending = list(self._pending), deque()
            return out + [(t, self._picture(f)) for t, f in pending if t is not None]

    def flush(self) -> list[tuple[object, np.ndarray]]:
        if self._graph is None:
            return []
        import av
        try:
            self._graph.push(None)
            out = self._pull()
        except (av.FFmpegError, ValueError):
            out = []
        # Anything the filter did not give back goes out as it is.
        out += [(t, self._picture(f)) for t, f in self._pending if t is not None]
        self._graph = None
        self._pending.clear()
        return out

    def _pull(self) -> list[tuple[object, np.ndarray]]:
        import av
        out = []
        while self._pending:
            try:
                frame = self._graph.pull()
            except (av.error.BlockingIOError, av.error.EOFError):
                break
            # One picture out per frame in, in order (send_frame mode): the
            # filter's own stamps are in its halved time base, so the
            # caller's tag carries the source's pts.
            tag, _ = self._pending.popleft()
            if tag is not None:
                out.append((tag, self._picture(frame)))
        return out

    def _deinterlacer(self, first):
        g = self.geometry
        # Frames flagged one by one (a stream mixing film and video):
        # only those flagged interlaced are filtered; otherwise every one.
        deint = "interlaced" if first.interlaced_frame else "all"
        parity = {TOP_FIRST: "tff", BOTTOM_FIRST: "bff"}.get(g.scan, "auto")
        options = f"mode=send_frame:parity={parity}:deint={deint}"
        import av
        graph = av.filter.Graph()
        source = graph.add_buffer(template=first, time_base=first.time_base or Fraction(1, 90000))
        graph.link_nodes(source, graph.add("bwdif", options), graph.add("buffersink"))
        graph.configure()
        return graph

    def _picture(self, frame) -> np.ndarray:
        if self._scaler is None:
            image = frame.to_ndarray(format="rgb24")
        else:
            # Scaling to square pixels and converting to RGB in one swscale pass.
            w, h = self._size
            image = self._scaler.reformat(frame, width=w, height=h, format="rgb24").to_ndarray()
        rotation = self.geometry.rotation
        if rotation:
            # `rotation` is counter-clockwise degrees the display matrix applies.
            image = np.ascontiguousarray(np.rot90(image, k=rotation // 90))
        return image
