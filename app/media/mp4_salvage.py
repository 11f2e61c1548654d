"""What a killed process's fragmented MP4 (app/media/encoder.py's
FRAGMENTED_MP4) still holds, made into a finished MP4; and a finished
fragmented MP4 made an ordinary one.

A fragmented MP4 is a header (ftyp, moov) and then (moof, mdat) pairs, each
pair complete in itself; a kill cuts the last pair. `salvage` keeps the
header and every complete pair, and remuxes them (no re-encoding: the
frames are the ones written) into an ordinary `+faststart` MP4, written
under a temp name and renamed. No tags are carried.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from app.base.files import replaced_on_success


@dataclass(frozen=True)
class Salvaged:
    frames: int
    duration_s: float


def complete_prefix(path: Path) -> int:
    """Bytes of `path` up to the end of its last complete fragment (0 when
    the header or every fragment is cut)."""
    size = path.stat().st_size
    end = 0
    seen_moov = False
    pos = 0
    last = b""
    with open(path, "rb") as f:
        while pos + 8 <= size:
            f.seek(pos)
            head = f.read(16)
            length, kind = struct.unpack(">I4s", head[:8])
            if length == 1 and len(head) == 16:
                length = struct.unpack(">Q", head[8:16])[0]
            if length < 8 or pos + length > size:
                break  # the box the kill cut
            pos += length
            if kind == b"moov":
                seen_moov = True
            elif kind == b"mdat" and last == b"moof" and seen_moov:
                end = pos
            last = kind
    return end


def salvage(partial: Path, target: Path) -> Salvaged | None:
    """Remuxes the complete fragments of `partial` into `target` (atomically);
    None, writing nothing, when no frame is recoverable. `partial` is cut to
    its complete fragments (it is thrown away afterwards)."""
    end = complete_prefix(partial)
    if not end:
        return None
    os.truncate(partial, end)
    try:
        with replaced_on_success(target) as tmp:
            return _remux(partial, tmp, whole=False)
    except (av.error.FFmpegError, _Nothing):
        return None


def finish(path: Path) -> bool:
    """Rewrites a complete fragmented MP4 as an ordinary `+faststart` one, in
    place (atomically), so that every player reads it as before: GStreamer
    gave a fragmented file 7.0 s for its 8.0 s (FFmpeg 8.0). On a failure
    the fragmented file stays (it plays) and False is returned."""
    try:
        with replaced_on_success(path) as tmp:
            _remux(path, tmp, whole=True)
    except (OSError, av.error.FFmpegError, _Nothing):
        return False
    return True


def closed_prefix(stamps: list[tuple[int, int]]) -> int:
    """How many packets (decode order, (pts, dts) each) to keep so that the
    frames kept are exactly the first ones shown, with no hole: a kill cuts
    in decode order, so the last fragment may hold a frame whose B-frames
    (shown before it) were lost. A lost packet's pts is at least its dts,
    which is past the last kept packet's dts; so a prefix is whole when no
    later packet, kept or lost, is shown before its last frame."""
    if not stamps:
        return 0
    last_dts = stamps[-1][1]
    later_min = [float("inf")] * (len(stamps) + 1)
    for i in range(len(stamps) - 1, -1, -1):
        later_min[i] = min(later_min[i + 1], stamps[i][0])
    best, shown = 0, float("-inf")
    for i, (pts, _) in enumerate(stamps):
        shown = max(shown, pts)
        if shown < later_min[i + 1] and shown <= last_dts:
            best = i + 1
    return best


def _remux(source_path: Path, out_path: Path, whole: bool) -> Salvaged:
    """Copies the packets of `source_path`'s video (all of them, or with
    `whole` False the longest closed prefix) into a new MP4 at `out_path`;
    the source is closed when this returns."""
    with av.open(str(source_path)) as src:
        if not src.streams.video:
            raise _Nothing
        source = src.streams.video[0]
        tb = Fraction(source.time_base)
        keep = float("inf")
        if not whole:
            keep = closed_prefix([(p.pts, p.dts) for p in src.demux(source)
                                  if p.dts is not None and p.pts is not None and p.size])
            src.seek(0)
        frames = 0
        first = last_end = None
        with av.open(str(out_path), mode="w", format="mp4",
                     options={"movflags": "+faststart"}) as out:
            out.metadata.clear()
            stream = out.add_stream_from_template(source)
            stream.metadata.clear()
            for packet in src.demux(source):
                if packet.dts is None or packet.pts is None or not packet.size:
                    continue
                if frames >= keep:
                    break
                first = packet.pts if first is None else min(first, packet.pts)
                end = packet.pts + (packet.duration or 0)
                last_end = end if last_end is None else max(last_end, end)
                packet.stream = stream
                out.mux(packet)
                frames += 1
    if not frames:
        raise _Nothing
    duration = float((last_end - first) * tb) if first is not None and last_end else 0.0
    return Salvaged(frames, duration)


class _Nothing(Exception):
    """No packet: the temp file is removed, nothing is kept."""
