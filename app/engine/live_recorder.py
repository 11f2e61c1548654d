"""Recording a live session: the skeleton picture only (never the camera's),
to an H.264 MP4 without audio, plus optional keypoint files. Qt-free.

Fall alerts raised while recording are logged: into NAME_events.csv beside
the video (written when there was one) and, in a keypoint JSON, as
analysis.live_alerts (times from the recording's start), beside the
analysis of the recorded frames.

Files are written under temporary names and renamed on `close`, so a failed
or aborted recording leaves nothing behind.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

from app.analysis.analysis import AnalysisAccumulator
from app.analysis.events import Event
from app.base.errors import Cancelled
from app.base.style import RenderStyle
from app.base.types import PoseFrame
from app.draw.render import visible_mask
from app.engine.live import LiveResult
from app.media.keypoints import open_keypoint_writer

_TIME_BASE = Fraction(1, 1000)  # live frames come at wall-clock times


@dataclass(frozen=True)
class RecordRequest:
    output: Path
    keypoints: tuple[Path, ...] = ()
    overwrite: bool = False
    # Written so that a process killed mid-recording leaves the frames so far
    # recoverable: fragmented MP4, keypoints flushed every frame (watch); an
    # ordinary MP4 once closed.
    recoverable: bool = False


class LiveRecorder:
    """Thread: only the thread that created it (the capture worker)."""

    def __init__(self, request: RecordRequest, width: int, height: int, fps: float,
                 style: RenderStyle, model_sha256: str | None = None,
                 standard_body: bool = False) -> None:
        """`standard_body`: the keypoint files hold the standard body's
        landmarks (fixed for the recording, so a file never holds both, even
        when the switch changes while it records)."""
        from app.base.files import atomic_output
        from app.media.encoder import VideoEncoder
        self.request = request
        self.frames = 0
        self._style = style
        self._standard_body = standard_body
        self._first_s: float | None = None
        self.alerts: list[Event] = []  # recording time
        self._analysis = AnalysisAccumulator(fps=fps) if any(
            p.suffix.lower() == ".json" for p in request.keypoints) else None
        self._stack = ExitStack()
        try:
            tmp = self._stack.enter_context(atomic_output(request.output,
                                                          overwrite=request.overwrite))
            self._writers = []
            self._streams = []
            for path in request.keypoints:
                ktmp = self._stack.enter_context(atomic_output(path, overwrite=request.overwrite))
                stream = self._stack.enter_context(open(ktmp, "w", encoding="utf-8", newline=""))
                self._streams.append(stream)
                self._writers.append(open_keypoint_writer(
                    path, stream, width=width, height=height, fps=fps, frame_count=0,
                    include_face=style.show_face, model_sha256=model_sha256,
                    standard_body=standard_body))
            self._video_tmp = tmp
            self._encoder = VideoEncoder(tmp, width, height, time_base=_TIME_BASE,
                                         fps=Fraction(fps).limit_denominator(1001),
                                         fragmented=request.recoverable)
        except BaseException:
            self._stack.close()
            raise
        self._started = time.monotonic()

    def write(self, result: LiveResult) -> None:
        if self._first_s is None:
            self._first_s = result.session_s
        t = result.session_s - self._first_s
        self._encoder.write(result.rendered, int(round(t * 1000)))
        pose = replace(self._body_of(result), index=self.frames, time_s=t)
        if self._writers:
            valid = visible_mask(pose, self._style)
            for writer in self._writers:
                writer.write(pose, valid)
            if self._analysis is not None:  # on the real landmarks
                real = replace(result.pose, index=self.frames, time_s=t)
                self._analysis.add(real, visible_mask(real, self._style))
            if self.request.recoverable:  # ahead of the video's last fragment
                for stream in self._streams:
                    stream.flush()
        self.frames += 1

    def log_alert(self, event: Event) -> None:
        """A live fall alert (session time), kept in recording time."""
        first = self._first_s if self._first_s is not None else event.time_s
        self.alerts.append(replace(event, time_s=max(0.0, event.time_s - first)))

    def close(self) -> Path:
        """Finishes the files and gives them their real names."""
        try:
            self._encoder.close()
            if self.request.recoverable:  # finished: an ordinary MP4, as players expect
                from app.media.mp4_salvage import finish
                finish(self._video_tmp)
            analysis = None
            if self._analysis is not None:
                analysis = {**self._analysis.finish().to_json(),
                            "live_alerts": [e.to_json() for e in self.alerts]}
            for writer in self._writers:
                writer.close(analysis)
            if self.alerts:
                self._write_alerts()
        except BaseException as exc:
            self._encoder.abort()
            self._stack.__exit__(type(exc), exc, exc.__traceback__)
            raise
        self._stack.close()
        return self.request.output

    def _body_of(self, result: LiveResult) -> PoseFrame:
        """The pose for the keypoint files, on the body the recording started with."""
        if not self._standard_body:
            return result.pose
        if result.drawn is not None:
            return result.drawn
        from app.people.standard_body import standard_body
        return standard_body(result.pose, self._style.min_confidence)

    def _write_alerts(self) -> None:
        from app.analysis.export import events_csv
        from app.base.files import atomic_output
        out = self.request.output
        path = out.with_name(f"{out.stem}_events.csv")
        tmp = self._stack.enter_context(atomic_output(path, overwrite=self.request.overwrite))
        tmp.write_text(events_csv(self.alerts), encoding="utf-8", newline="")

    def abort(self) -> None:
        """Stops and removes everything written so far."""
        self._encoder.abort()
        exc = Cancelled()
        try:
            self._stack.__exit__(Cancelled, exc, None)
        except Cancelled:
            pass
