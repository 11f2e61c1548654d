"""Video writing with PyAV: source timestamps kept, source audio carried.

The output gets the source's exact frame timestamps (29.97 stays 30000/1001,
variable frame rate keeps its stamps), yuv420p at even dimensions and
`+faststart`, so browsers and QuickTime play it. The audio is copied when MP4
can hold its codec and re-encoded to AAC otherwise; it is read from its own
demuxer and interleaved by time, so no packets pile up in memory. No
container or stream metadata of the source is copied.
Times: each frame lasts until the next one and the last one until the
source's last frame ends (`close(end_pts)`), so the video ends where the
source does; re-encoded audio keeps its source sample times, so the AAC
encoder's priming samples fall before the start and are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from app.base.errors import OutputError

# Audio codecs MP4 holds that QuickTime, browsers and phones all play.
MP4_COPYABLE_AUDIO = frozenset({"aac", "mp3", "alac"})


@dataclass(frozen=True)
class OutputFormat:
    """A container with its video and audio codecs."""

    container: str
    video_codec: str
    pix_fmt: str
    input_format: str  # what write() takes: rgb24, or rgba for alpha
    video_options: tuple[tuple[str, str], ...]
    copyable_audio: frozenset[str]
    audio_codec: str
    audio_rate: int | None = None  # None: keep the source's rate

    @property
    def alpha(self) -> bool:
        return self.input_format == "rgba"


# H.264 MP4 that plays everywhere (the default). `superfast` rather than
# `veryfast`: on skeletons over a background video (vtest on tree.avi, 150
# frames at 768x576) it took 5.5 instead of 9.7 core-ms per frame at a PSNR
# of 38.1 instead of 37.7 dB, files 12 % larger; `ultrafast` (no CABAC) was
# 3.5 ms but 75 % larger. `animation` suits flat synthetic pictures.
MP4_H264 = OutputFormat("mp4", "libx264", "yuv420p", "rgb24",
                        # mbtree=0: x264's macroblock-tree rate control reads an
                        # uninitialised stack value, so the file depended on the
                        # calling thread's leftovers (tests/test_encoder_memory.py).
                        # (superfast has it off anyway; kept explicit for any preset.)
                        (("crf", "20"), ("preset", "superfast"), ("tune", "animation"),
                         ("mbtree", "0")),
                        MP4_COPYABLE_AUDIO, "aac")
# VP9 with an alpha channel in WebM: a transparent skeleton layer for video
# editors (Premiere, DaVinci Resolve, Kdenlive, browsers). WebM carries
# Opus or Vorbis audio; Opus runs at 48 kHz.
WEBM_VP9_ALPHA = OutputFormat("webm", "libvpx-vp9", "yuva420p", "rgba",
                              (("crf", "30"), ("b", "0"), ("deadline", "realtime"),
                               ("cpu-used", "8"), ("row-mt", "1")),
                              frozenset({"opus", "vorbis"}), "libopus", 48000)
# A fragment about every second, so a process killed mid-file leaves every
# finished fragment readable (app/media/mp4_salvage.py): `delay_moov` writes
# the header after the first fragment, with the edit list that keeps the
# first frame at 0 s (without it B-frames shifted every frame by 2 frames).
# Fragments need not start on a keyframe (a salvage keeps the whole prefix),
# so the keyframe interval and the size stay as they were: 163,680 instead
# of 163,216 bytes for carphone's 120 frames (+0.3 %, gone once the finished
# file is remuxed by mp4_salvage.finish).
# `flush_packets`: each fragment goes to the file when it is cut, not when
# FFmpeg's 32 KiB write buffer fills (seconds to minutes of small pictures).
FRAGMENTED_MP4 = {"movflags": "empty_moov+delay_moov+default_base_moof",
                  "frag_duration": "1000000", "flush_packets": "1"}
VIDEO_OUTPUT_SUFFIXES = {".mp4": MP4_H264, ".webm": WEBM_VP9_ALPHA}


def output_format_for(path: Path) -> OutputFormat:
    fmt = VIDEO_OUTPUT_SUFFIXES.get(Path(path).suffix.lower())
    if fmt is None:
        raise OutputError(f"{Path(path).name}: video output is .mp4 (H.264) or .webm "
                          "(transparent VP9); choose one of those names.")
    return fmt


def even(n: int) -> int:
    return max(2, n + (n % 2))


class _AudioCarrier:
    """Copies or re-encodes the source's first audio stream into `out`."""

    def __init__(self, source: Path, out: av.container.OutputContainer,
                 fmt: OutputFormat = MP4_H264) -> None:
        self._input = av.open(str(source), mode="r")
        self._in_stream = self._input.streams.audio[0]
        self._out = out
        codec = self._in_stream.codec_context.name
        self.copy = codec in fmt.copyable_audio
        if self.copy:
            self.stream = out.add_stream_from_template(self._in_stream)
        else:
            rate = fmt.audio_rate or self._in_stream.codec_context.sample_rate or 48000
            self.stream = out.add_stream(fmt.audio_codec, rate=rate)
            layout = self._in_stream.codec_context.layout
            if layout is not None and layout.nb_channels <= 2:
                self.stream.layout = layout
            else:
                self.stream.layout = "stereo"
            self.stream.bit_rate = 192_000
        # Nothing of the source's own tags (handler, creation time, language).
        self.stream.metadata.clear()
        self._tb = Fraction(self._in_stream.time_base)
        self._packets = self._input.demux(self._in_stream)
        self._done = False
        self._next_sample: int | None = None  # re-encoding: the next frame's pts in samples
        self.written_until = float("-inf")

    def write_until(self, time_s: float) -> None:
        """Muxes audio up to `time_s` seconds of source time."""
        while not self._done and self.written_until <= time_s:
            try:
                packet = next(self._packets)
            except (StopIteration, av.error.FFmpegError):
                self._finish()
                return
            if packet.pts is not None:
                self.written_until = float(packet.pts * self._tb)
            self._mux(packet)

    def _mux(self, packet: av.Packet) -> None:
        if self.copy:
            if packet.dts is None or packet.size == 0:
                return
            packet.stream = self.stream
            self._out.mux(packet)
            return
        try:
            frames = packet.decode()
        except av.error.FFmpegError:
            return  # a damaged audio packet: a short gap rather than a failure
        for frame in frames:
            self._restamp(frame)
            for out_packet in self.stream.encode(frame):
                self._out.mux(out_packet)

    def _restamp(self, frame: av.AudioFrame) -> None:
        """Stamps a decoded frame in samples at its source time, so the encoder
        knows where it starts: an AAC encoder's first packets hold priming
        samples (initial padding) stamped before that time, and the MP4 muxer
        writes an edit list that skips them, so the first source sample plays
        at the source audio's start instead of about 23 ms late. Gaps and
        jitter in the source's stamps are dropped (the samples run on)."""
        rate = frame.sample_rate or self.stream.codec_context.sample_rate
        if self._next_sample is None:
            start = frame.pts * self._tb if frame.pts is not None else Fraction(0)
            self._next_sample = round(start * rate)
        frame.pts = self._next_sample
        frame.time_base = Fraction(1, rate)
        self._next_sample += frame.samples

    def _finish(self) -> None:
        if self._done:
            return
        self._done = True
        if not self.copy:
            for out_packet in self.stream.encode(None):
                self._out.mux(out_packet)

    def close(self) -> None:
        self.write_until(float("inf"))
        self._finish()
        self._input.close()


class VideoEncoder:
    """Encodes frames at given source timestamps: H.264 MP4 by default, or
    `fmt=WEBM_VP9_ALPHA` for RGBA frames with transparency.

    Use from one thread at a time (the conversion writes on an encoding
    thread and closes on its own once that has ended); call `close()` to
    finish the file (or `abort()`).
    """

    def __init__(self, path: Path, width: int, height: int, *, time_base: Fraction,
                 fps: Fraction, audio_source: Path | None = None,
                 fmt: OutputFormat = MP4_H264, fragmented: bool = False) -> None:
        """`fragmented` (MP4 only): see FRAGMENTED_MP4."""
        self.width, self.height = even(width), even(height)
        self.time_base = Fraction(time_base)
        self.fmt = fmt
        self.frames_written = 0
        self._last_pts: int | None = None
        # pts -> the next frame's pts, for frames still inside the encoder:
        # each packet's duration is the time to the next frame, so the MP4
        # muxer's edit list ends where the last frame ends (see close()).
        self._successor: dict[int, int] = {}
        self._end_pts: int | None = None
        options = {"movflags": "+faststart"} if fmt.container == "mp4" else {}
        if fragmented and fmt.container == "mp4":
            options = dict(FRAGMENTED_MP4)
        try:
            self._out = av.open(str(path), mode="w", format=fmt.container, options=options)
        except (OSError, av.error.FFmpegError) as exc:
            raise OutputError(f"{Path(path).name}: cannot create the output file ({exc}).") from None
        # Nothing from the source goes into the container's tags.
        self._out.metadata.clear()
        rate = fps if fps and fps > 0 else Fraction(30)
        stream = self._out.add_stream(fmt.video_codec, rate=rate)
        stream.width, stream.height = self.width, self.height
        stream.pix_fmt = fmt.pix_fmt
        stream.time_base = self.time_base
        stream.codec_context.time_base = self.time_base
        stream.codec_context.framerate = rate
        stream.options = dict(fmt.video_options)
        # One x264 thread: the same input must give the same file, byte for
        # byte (labs re-run archives), and x264's threads did not: its slice
        # threads (PyAV's default) gave another file in most busy runs, its
        # frame threads in about one of eight (measured with the same frames
        # under load). The pose workers keep the cores busy anyway; one thread
        # encodes 768x576 at about 130 fps here.
        stream.codec_context.thread_count = 1
        # Tag BT.709 and convert with it, so players show the chosen colours.
        stream.codec_context.colorspace = 1
        stream.codec_context.color_primaries = 1
        stream.codec_context.color_trc = 1
        stream.codec_context.color_range = 1
        # Square pixels, stated: the pictures are at the display size (see
        # app/media/display.py), so every player and editor shows them alike.
        stream.codec_context.sample_aspect_ratio = Fraction(1, 1)
        stream.metadata.clear()
        self._stream = stream
        # The encoder's own scaler: VideoFrame.reformat shares one SwsContext
        # per thread, so an encoder's output could depend on what else
        # converted pictures on its thread before.
        self._reformatter = av.video.reformatter.VideoReformatter()
        self._staging, self._staging_pixels = _staging_frame(self.width, self.height,
                                                             fmt.input_format)
        self._audio = (_AudioCarrier(audio_source, self._out, fmt)
                       if audio_source is not None else None)

    @property
    def has_audio(self) -> bool:
        return self._audio is not None

    def write(self, image: np.ndarray, pts: int) -> None:
        """Encodes one frame (RGB, or RGBA for alpha formats) shown at `pts`
        (in `time_base` units)."""
        if self._last_pts is not None and pts <= self._last_pts:
            pts = self._last_pts + 1
        # One copy into a frame allocated once (from_ndarray copied each
        # picture twice into a new frame: 1-2 ms a frame at 768x576). It is
        # FFmpeg's own buffer, aligned and padded: the scaler's SIMD reads a
        # few bytes past a row's end, which past a NumPy array's end would
        # be outside its memory. The scaler makes a new frame, so reusing
        # this one never touches a picture the encoder still holds.
        # An odd-sized picture is padded straight into it (H.264 4:2:0 needs
        # even sizes).
        _copy_padded(self._staging_pixels, image)
        frame = self._reformatter.reformat(
            self._staging, format=self.fmt.pix_fmt, dst_colorspace=av.video.reformatter.Colorspace.ITU709,
            dst_color_range=av.video.reformatter.ColorRange.MPEG)
        frame.pts = int(pts)
        frame.time_base = self.time_base
        if self._audio is not None:
            self._audio.write_until(float(pts * self.time_base))
        if self._last_pts is not None:
            self._successor[self._last_pts] = int(pts)
        self._mux(self._stream.encode(frame))
        self._last_pts = pts
        self.frames_written += 1

    def _with_durations(self, packets):
        """Packets with their display durations set (pts to the next frame's
        pts; the last frame's from close()'s `end_pts`). x264's own durations
        follow decode order, which on variable-frame-rate input moved the
        end of the video by tens of milliseconds."""
        for packet in packets:
            if packet.pts is None:
                continue
            nxt = self._successor.pop(int(packet.pts), None)
            if nxt is None and self._end_pts is not None and packet.pts == self._last_pts:
                nxt = self._end_pts
            if nxt is not None and nxt > packet.pts:
                packet.duration = nxt - int(packet.pts)
        return packets

    def _mux(self, packets) -> None:
        packets = self._with_durations(packets)
        try:
            self._out.mux(packets)
        except OSError:
            # PyAV's errno errors are OSError and FFmpegError at once: keep
            # them OSError so atomic_output can say "disk full" or "not writable".
            raise
        except av.error.FFmpegError as exc:
            raise OutputError(f"writing the video failed ({exc}).") from None

    def close(self, end_pts: int | None = None) -> None:
        """Flushes the encoder, writes the remaining audio and finishes the file.

        `end_pts` (time_base units) is where the last frame stops showing, so
        the output ends where the source does; None keeps the encoder's guess.
        """
        if end_pts is not None and self._last_pts is not None and end_pts > self._last_pts:
            self._end_pts = int(end_pts)
        try:
            self._mux(self._stream.encode(None))
            if self._audio is not None:
                self._audio.close()
            self._out.close()
        except OSError:
            raise
        except av.error.FFmpegError as exc:
            raise OutputError(f"finishing the video failed ({exc}).") from None

    def abort(self) -> None:
        """Closes without caring about the result (the file will be removed)."""
        try:
            if self._audio is not None:
                self._audio._input.close()
            self._out.close()
        except Exception:  # noqa: BLE001 - the file is thrown away anyway
            pass


def _staging_frame(width: int, height: int, input_format: str):
    """A frame FFmpeg allocated for `width` x `height` pictures, and a
    writable (height, width, channels) NumPy view of its pixels."""
    frame = av.VideoFrame(width, height, input_format)
    plane = frame.planes[0]
    channels = {"rgb24": 3, "rgba": 4}[input_format]
    rows = np.frombuffer(plane, np.uint8).reshape(height, plane.line_size)
    return frame, rows[:, :width * channels].reshape(height, width, channels)


def _copy_padded(out: np.ndarray, rgb: np.ndarray) -> None:
    """Copies `rgb` into the top left of `out`, repeating its last row and
    column into the rest (`out` is the size the encoder was opened with)."""
    height, width = out.shape[:2]
    h, w = rgb.shape[:2]
    out[:h, :w] = rgb[:height, :width]
    if height > h:
        out[h:, :w] = rgb[h - 1:h, :w]
    if width > w:
        out[:, w:] = out[:, w - 1:w]
