"""Reading video files with PyAV: what a file holds, and its frames in order.

Frames come out in display geometry (app/media/display.py: square pixels at
the display aspect, deinterlaced, rotation metadata applied), RGB, with
their source timestamps; corrupt packets are skipped and counted.
A frame's `time_s` is its presentation time, `pts * time_base`, as a player
shows it: a file whose video starts at 0.5 s has a first frame at 0.5 s (the
output video keeps that start, so keypoint times equal its frame times).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import av

from app.base.errors import InputError
from app.base.types import Frame
from app.media.display import PROGRESSIVE, DisplayFrames, Geometry, sample_aspect, scan_of

# FFmpeg's logging stays at PyAV's default (off, no Python callback): a Python
# log callback called from FFmpeg's decoder threads can deadlock on the GIL.


@dataclass(frozen=True)
class VideoInfo:
    """What the app sees in a video file (`width` x `height`: the display
    size, square pixels after the SAR and rotation are applied)."""

    path: Path
    container: str
    codec: str
    width: int
    height: int
    rotation: int  # degrees the stored picture is turned for display
    fps: Fraction  # average frame rate
    time_base: Fraction
    frame_count: int  # from the header, or counted by a packet scan
    duration_s: float
    start_pts: int
    variable_frame_rate: bool
    audio_codec: str | None
    audio_channels: int
    audio_sample_rate: int
    pixel_format: str
    container_label: str = ""  # FFmpeg's name for people ("QuickTime / MOV")
    stored_width: int = 0  # the coded picture, before SAR and rotation (0: as width)
    stored_height: int = 0
    sar: Fraction = Fraction(1)  # sample (pixel) aspect ratio; 1 for square pixels
    scan: str = PROGRESSIVE  # display.PROGRESSIVE, TOP_FIRST, BOTTOM_FIRST or FLAGGED

    @property
    def geometry(self) -> Geometry:
        """How frames are brought to the display size (see app/media/display.py)."""
        w, h = self.stored_width, self.stored_height
        if not (w and h):  # built by hand, without a stored size: square and as shown
            w, h = (self.height, self.width) if self.rotation % 180 else (self.width, self.height)
        return Geometry(w, h, self.sar, self.rotation, self.scan)

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None

    def describe(self) -> str:
        lines = [
            f"file:        {self.path.name}",
            f"container:   {self.container_label or self.container}",
            f"video:       {self.codec} {self.stored_width or self.width}x"
            f"{self.stored_height or self.height} {self.pixel_format}",
            f"pixel aspect: {self.sar.numerator}:{self.sar.denominator}"
            + (" (square)" if self.sar == 1 else " (non-square, scaled to square pixels)"),
            f"display:     {self.width}x{self.height} (what is analysed and written)",
            f"scan:        {self.geometry.describe_scan()}",
            f"frame rate:  {float(self.fps):.3f} fps ({self.fps.numerator}/{self.fps.denominator})"
            + (" variable" if self.variable_frame_rate else ""),
            f"frames:      {self.frame_count}",
            f"duration:    {self.duration_s:.3f} s",
            f"rotation:    {self.rotation} degrees",
            "audio:       " + (f"{self.audio_codec}, {self.audio_channels} ch, {self.audio_sample_rate} Hz"
                               if self.audio_codec else "none"),
        ]
        return "\n".join(lines)


def _open(path: Path) -> av.container.InputContainer:
    if not path.exists():
        raise InputError(f"{path.name}: file not found.")
    if path.is_dir():
        raise InputError(f"{path.name}: is a folder, not a video file.")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"{path.name}: cannot be read ({exc.strerror}).") from None
    if size == 0:
        raise InputError(f"{path.name}: the file is empty (0 bytes).")
    try:
        return av.open(str(path), mode="r")
    except PermissionError:
        raise InputError(f"{path.name}: permission denied.") from None
    except (av.error.FFmpegError, OSError, UnicodeDecodeError, ValueError):
        raise InputError(f"{path.name}: not a video file, or damaged beyond reading.") from None


def _video_stream(container: av.container.InputContainer, path: Path) -> av.video.stream.VideoStream:
    if not container.streams.video:
        what = " (audio only)" if container.streams.audio else ""
        raise InputError(f"{path.name}: the file has no video stream{what}.")
    stream = container.streams.video[0]
    if stream.codec_context is None or not stream.codec_context.name:
        raise InputError(f"{path.name}: the video codec is not supported.")
    return stream


def _first_frame(container, stream, path: Path) -> av.VideoFrame:
    try:
        for frame in container.decode(stream):
            return frame
    except av.error.FFmpegError:
        pass
    raise InputError(f"{path.name}: no video frame could be decoded (the file is empty or damaged).")


def scan_pts(path: Path) -> list[int]:
    """Sorted presentation timestamps of every video packet (no decoding)."""
    with _open(path) as container:
        stream = _video_stream(container, path)
        out = []
        try:
            for packet in container.demux(stream):
                ts = packet.pts if packet.pts is not None else packet.dts
                if ts is not None and packet.size:
                    out.append(int(ts))
        except av.error.FFmpegError:
            pass  # a damaged tail: count what was readable
    return sorted(set(out))


def end_pts(path: Path, info: VideoInfo | None = None) -> tuple[int, int] | None:
    """(pts of the last frame, pts where it stops showing), in time_base units.

    The last frame's own duration is what the container stores for it (so a
    variable-frame-rate file keeps its last frame's length); where it stores
    none, the step before it (or one frame at the average rate) is used.
    Demuxes from the last keyframes only; None when no packet is readable.
    """
    path = Path(path)
    info = info or probe(path)
    tb = info.time_base
    with _open(path) as container:
        stream = _video_stream(container, path)
        stamps = _tail_packets(container, stream, info)
        if not stamps:
            container.seek(0)
            stamps = _tail_packets(container, stream, None)
    if not stamps:
        return None
    stamps.sort()
    last, duration = stamps[-1]
    if duration <= 0:
        if len(stamps) > 1:
            duration = last - stamps[-2][0]
        elif info.fps and tb:
            duration = max(1, round(1 / (info.fps * tb)))
        else:
            duration = 1
    return last, last + duration


def _tail_packets(container, stream, info: VideoInfo | None) -> list[tuple[int, int]]:
    """(pts, duration) of the packets from a keyframe a few seconds before the
    end (all packets when `info` is None)."""
    if info is not None and info.duration_s > 0 and info.time_base:
        target = info.start_pts + int((info.duration_s - 2.0) / info.time_base)
        if target > info.start_pts:
            try:
                container.seek(target, stream=stream, backward=True, any_frame=False)
            except av.error.FFmpegError:
                return []
    out = []
    try:
        for packet in container.demux(stream):
            ts = packet.pts if packet.pts is not None else packet.dts
            if ts is not None and packet.size:
                out.append((int(ts), int(packet.duration or 0)))
    except av.error.FFmpegError:
        pass  # a damaged tail: the readable packets decide
    return out


def probe(path: Path, *, count_frames: bool = False) -> VideoInfo:
    """Opens the file, decodes its first frame and describes it.

    Raises InputError with one sentence if the file cannot be used.
    """
    path = Path(path)
    with _open(path) as container:
        stream = _video_stream(container, path)
        first = _first_frame(container, stream, path)
        rotation = _rotation_of(first)
        # The container's SAR where it has one, else the codec's (FFmpeg's
        # av_guess_sample_aspect_ratio); the codec's field order is known
        # once a frame is decoded.
        geometry = Geometry(first.width, first.height, sample_aspect(stream.sample_aspect_ratio),
                            rotation, scan_of(stream.codec_context.field_order,
                                              bool(first.interlaced_frame)))
        w, h = geometry.display_size
        tb = Fraction(stream.time_base) if stream.time_base else Fraction(1, 1000)
        fps = Fraction(stream.average_rate or stream.guessed_rate or stream.base_rate or 0)
        duration = _duration_s(container, stream, tb)
        frames = int(stream.frames or 0)
        audio = container.streams.audio[0] if container.streams.audio else None
        start = stream.start_time if stream.start_time is not None else (first.pts or 0)
        vfr = bool(stream.base_rate and stream.average_rate and
                   abs(float(stream.base_rate) - float(stream.average_rate)) > 0.01 * float(stream.base_rate))
        info = VideoInfo(
            path=path, container=container.format.name, codec=stream.codec_context.name,
            container_label=container.format.long_name or "",
            width=w, height=h, rotation=rotation, fps=fps, time_base=tb,
            frame_count=frames, duration_s=duration, start_pts=int(start),
            variable_frame_rate=vfr,
            audio_codec=audio.codec_context.name if audio is not None and audio.codec_context else None,
            audio_channels=(audio.codec_context.channels if audio is not None and audio.codec_context else 0),
            audio_sample_rate=((audio.codec_context.sample_rate or 0)
                               if audio is not None and audio.codec_context else 0),
            pixel_format=first.format.name,
            stored_width=first.width, stored_height=first.height, sar=geometry.sar,
            scan=geometry.scan,
        )
    if count_frames or info.frame_count <= 0:
        info = replace(info, frame_count=len(scan_pts(path)))
    if info.fps <= 0 and info.duration_s > 0 and info.frame_count > 0:
        info = replace(info, fps=Fraction(info.frame_count / info.duration_s).limit_denominator(1001))
    return info


def _duration_s(container, stream, tb: Fraction) -> float:
    if stream.duration:
        return float(stream.duration * tb)
    if container.duration:
        return container.duration / av.time_base
    return 0.0


def _rotation_of(frame: av.VideoFrame) -> int:
    try:
        rot = frame.rotation
    except Exception:  # noqa: BLE001 - old or odd side data: treat as upright
        return 0
    if rot is None or (isinstance(rot, float) and math.isnan(rot)):
        return 0
    return int(round(rot / 90.0)) * 90 % 360


class VideoReader:
    """Iterates a video file's frames in display order, with their timestamps.

    One reader belongs to one thread. `frames(start_pts, end_pts)` seeks so a
    worker can decode just its chunk of the file; decode errors in the middle
    of a file are skipped and counted in `corrupt_packets`.
    """

    def __init__(self, path: Path, info: VideoInfo | None = None) -> None:
        self.path = Path(path)
        self.info = info or probe(self.path)
        self.corrupt_packets = 0

    def frames(self, start_pts: int | None = None, end_pts: int | None = None,
               first_index: int = 0) -> Iterator[Frame]:
        """Frames with start_pts <= pts < end_pts (all when both are None).

        `first_index` is the display index of the first frame yielded; with a
        start_pts it must be the index of that frame in the whole file.
        """
        info = self.info
        tb = info.time_base
        fallback_step = (1 / (info.fps * tb)) if info.fps and tb else 1
        with _open(self.path) as container:
            stream = _video_stream(container, self.path)
            stream.thread_type = "AUTO"
            seeked = start_pts is not None and start_pts > info.start_pts
            if seeked:
                self._seek(container, stream, start_pts)
            index = first_index
            last_pts: int | None = None
            # The deinterlacer sees the frame before the range and the one
            # after it, so a chunk's pictures are a whole-file decode's.
            display = DisplayFrames(info.geometry)
            before: av.VideoFrame | None = None
            packets = container.demux(stream)
            while True:
                try:
                    packet = next(packets)
                except StopIteration:
                    break
                except av.error.FFmpegError:
                    self.corrupt_packets += 1
                    break  # the demuxer cannot go on past this point
                try:
                    decoded = packet.decode()
                except av.error.FFmpegError:
                    self.corrupt_packets += 1
                    continue
                for frame in decoded:
                    pts = frame.pts
                    if pts is None:
                        pts = int(last_pts + fallback_step) if last_pts is not None else info.start_pts
                    if last_pts is not None and pts <= last_pts:
                        pts = last_pts + 1  # duplicate stamps in damaged files: keep order strict
                    if seeked and last_pts is None and pts > start_pts:
                        # The seek overshot (sparse index): decode from the top.
                        seeked = False
                        container.seek(0)
                        packets = container.demux(stream)
                        break
                    if start_pts is not None and pts < start_pts:
                        last_pts = pts
                        before = frame if display.needs_context else None
                        continue
                    if end_pts is not None and pts >= end_pts:
                        if display.needs_context and index > first_index:
                            yield from self._frames(display.push(frame, None), tb)
                        yield from self._frames(display.flush(), tb)
                        return
                    if before is not None:
                        display.push(before, None)
                        before = None
                    last_pts = pts
                    yield from self._frames(display.push(frame, (index, int(pts))), tb)
                    index += 1
            yield from self._frames(display.flush(), tb)

    @staticmethod
    def _frames(pictures, tb: Fraction) -> Iterator[Frame]:
        for (index, pts), image in pictures:
            # time_s: presentation time, start kept
            yield Frame(index=index, time_s=float(pts * tb), image=image, pts=pts)

    def _seek(self, container, stream, start_pts: int) -> None:
        """Seeks to a keyframe at or before start_pts; from the top if unsure."""
        try:
            container.seek(int(start_pts), stream=stream, backward=True, any_frame=False)
        except av.error.FFmpegError:
            container.seek(0)


def iter_frames(path: Path) -> Iterator[Frame]:
    """All frames of a file (convenience for tests and tools)."""
    yield from VideoReader(Path(path)).frames()
