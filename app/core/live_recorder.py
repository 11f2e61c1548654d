"""Recording a live session: the skeleton picture only (never the camera's),
to an H.264 MP4 without audio, plus optional keypoint files. Qt-free.

Files are written under temporary names and renamed on `close`, so a failed
or aborted recording leaves nothing behind.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

from app.core.errors import Cancelled
from app.core.keypoints import open_keypoint_writer
from app.core.live import LiveResult
from app.core.render import visible_mask
from app.core.style import RenderStyle

_TIME_BASE = Fraction(1, 1000)  # live frames come at wall-clock times


@dataclass(frozen=True)
class RecordRequest:
    output: Path
    keypoints: tuple[Path, ...] = ()
    overwrite: bool = False


class LiveRecorder:
    """Thread: only the thread that created it (the capture worker)."""

    def __init__(self, request: RecordRequest, width: int, height: int, fps: float,
                 style: RenderStyle) -> None:
        from app.media.encoder import VideoEncoder
        from app.media.outputs import atomic_output
        self.request = request
        self.frames = 0
        self._style = style
        self._first_s: float | None = None
        self._stack = ExitStack()
        try:
            tmp = self._stack.enter_context(atomic_output(request.output,
                                                          overwrite=request.overwrite))
            self._writers = []
            for path in request.keypoints:
                ktmp = self._stack.enter_context(atomic_output(path, overwrite=request.overwrite))
                stream = self._stack.enter_context(open(ktmp, "w", encoding="utf-8", newline=""))
                self._writers.append(open_keypoint_writer(
                    path, stream, width=width, height=height, fps=fps, frame_count=0,
                    include_face=style.show_face))
            self._encoder = VideoEncoder(tmp, width, height, time_base=_TIME_BASE,
                                         fps=Fraction(fps).limit_denominator(1001))
        except BaseException:
            self._stack.close()
            raise
        self._started = time.monotonic()

    def write(self, result: LiveResult) -> None:
        if self._first_s is None:
            self._first_s = result.session_s
        t = result.session_s - self._first_s
        self._encoder.write(result.rendered, int(round(t * 1000)))
        pose = replace(result.pose, index=self.frames, time_s=t)
        if self._writers:
            valid = visible_mask(pose, self._style)
            for writer in self._writers:
                writer.write(pose, valid)
        self.frames += 1

    def close(self) -> Path:
        """Finishes the files and gives them their real names."""
        try:
            self._encoder.close()
            for writer in self._writers:
                writer.close()
        except BaseException as exc:
            self._encoder.abort()
            self._stack.__exit__(type(exc), exc, exc.__traceback__)
            raise
        self._stack.close()
        return self.request.output

    def abort(self) -> None:
        """Stops and removes everything written so far."""
        self._encoder.abort()
        exc = Cancelled()
        try:
            self._stack.__exit__(Cancelled, exc, None)
        except Cancelled:
            pass
