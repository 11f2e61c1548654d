"""The capture worker: owns the live source, the landmarker and a recording,
all created and closed in its own QThread.

It reads frames as fast as inference allows (the source drops stale ones),
and hands results to the GUI through a one-slot mailbox: a newer result
replaces one the GUI has not taken yet, and only an empty mailbox raises
`frame_ready`, so a slow GUI never builds a queue (latest frame wins).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.analysis.events import Event, LiveFallMonitor
from app.core.live import LiveProcessor, LiveResult, LiveSettings, RateMeter
from app.core.live_recorder import LiveRecorder, RecordRequest
from app.core.pipeline import describe_error
from app.media.sources import FrameSource, SourceEnded, SourceInfo, SourceUnavailable

READ_TIMEOUT_S = 0.1  # how often the loop looks at stop and settings requests
RETRY_S = 0.25  # pause between reads while a source is unavailable
_STOP_RECORDING = object()


@dataclass(frozen=True, eq=False)
class LiveFrame:
    """What the GUI gets per shown frame: the result and the rates."""

    result: LiveResult
    source: SourceInfo
    capture_fps: float
    inference_fps: float
    position_s: float  # time of the frame in the source (files)


@dataclass(frozen=True)
class FallAlert:
    """A confirmed fall in the live session: the event (session time) and
    the wall-clock time it happened."""

    event: Event
    clock: str  # local time of the fall, HH:MM:SS

    @property
    def text(self) -> str:
        return (f"Fall detected: person #{self.event.person_id} at {self.clock} "
                f"({self.event.time_s:.1f} s into the session, confidence "
                f"{self.event.confidence:.2f})")


class CaptureWorker(QObject):
    opened = Signal(object)  # SourceInfo
    fall_detected = Signal(object)  # FallAlert (never dropped, unlike frames)
    frame_ready = Signal()  # the newest LiveFrame waits in take_latest()
    source_lost = Signal(str)
    source_back = Signal()
    recording_started = Signal(str)
    recording_stopped = Signal(str)  # the finished file
    recording_failed = Signal(str)
    failed = Signal(str)  # the session ended with an error
    finished = Signal()  # always last

    def __init__(self, source: FrameSource, model_path: Path, settings: LiveSettings) -> None:
        super().__init__()
        self.source = source
        self.model_path = Path(model_path)
        self._settings = settings
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._new_settings: LiveSettings | None = None
        self._record_command: object | None = None
        self._latest: LiveFrame | None = None
        self._recorder: LiveRecorder | None = None  # worker thread only

    # any thread -------------------------------------------------------------
    def request_stop(self) -> None:
        self._stop.set()
        self.source.interrupt()

    def update_settings(self, settings: LiveSettings) -> None:
        """Applied before the next frame (or at once to a paused picture)."""
        with self._lock:
            self._new_settings = settings
        self.source.interrupt()

    def start_recording(self, request: RecordRequest) -> None:
        with self._lock:
            self._record_command = request

    def stop_recording(self) -> None:
        with self._lock:
            self._record_command = _STOP_RECORDING

    def take_latest(self) -> LiveFrame | None:
        """The newest result, emptying the mailbox. Thread: GUI."""
        with self._lock:
            latest, self._latest = self._latest, None
        return latest

    # worker thread ------------------------------------------------------------
    def run(self) -> None:
        try:
            self._run()
        except Exception as exc:  # noqa: BLE001 - a worker error must never take the window down
            self.failed.emit(describe_error(exc))
        finally:
            self.finished.emit()

    def _run(self) -> None:
        info = self.source.open()
        processor = None
        try:
            self.opened.emit(info)
            processor = LiveProcessor(self.model_path, self._settings, info.fps)
            self._loop(processor, info)
            self._finish_recording()
        except BaseException:
            self._abort_recording()
            raise
        finally:
            if processor is not None:
                processor.close()
            self.source.close()

    def _loop(self, processor: LiveProcessor, info: SourceInfo) -> None:
        capture, inference = RateMeter(), RateMeter()
        processed = 0
        lost = False
        last: LiveResult | None = None
        last_time = None
        falls = LiveFallMonitor()
        while not self._stop.is_set():
            restyled = self._take_settings(processor)
            self._take_record_command(info)
            try:
                frame = self.source.read(READ_TIMEOUT_S)
            except SourceUnavailable as exc:
                if not lost:
                    lost = True
                    self.source_lost.emit(str(exc))
                self._stop.wait(RETRY_S)
                continue
            except SourceEnded:
                return
            if frame is None:
                if restyled and last is not None:
                    last = processor.rerender(last)
                    self._publish(LiveFrame(last, info, 0.0, 0.0, last_time or 0.0))
                continue
            if lost:
                lost = False
                self.source_back.emit()
            if last_time is not None and not 0 <= frame.time_s - last_time < 1.0:
                processor.reset_tracking()  # looped or seeked: motion history is stale
            last_time = frame.time_s
            last = processor.process(frame)
            processed += 1
            capture.add(getattr(self.source, "frames_seen", processed))
            inference.add(processed)
            self._record(last)
            for event in falls.update(last.pose):
                self._alert(event, last.session_s)
            self._publish(LiveFrame(last, info, capture.rate, inference.rate, frame.time_s))

    def _alert(self, event: Event, now_s: float) -> None:
        """A fall is confirmed HOLD_S after it happened: its clock time is
        that long before now."""
        clock = time.strftime("%H:%M:%S", time.localtime(time.time() - (now_s - event.time_s)))
        alert = FallAlert(event, clock)
        if self._recorder is not None:
            self._recorder.log_alert(event)
        self.fall_detected.emit(alert)

    def _take_settings(self, processor: LiveProcessor) -> bool:
        with self._lock:
            settings, self._new_settings = self._new_settings, None
        if settings is None:
            return False
        processor.update(settings)
        self._settings = settings
        return True

    def _publish(self, frame: LiveFrame) -> None:
        with self._lock:
            notify = self._latest is None
            self._latest = frame
        if notify:
            self.frame_ready.emit()

    # recording (worker thread) ---------------------------------------------------
    def _take_record_command(self, info: SourceInfo) -> None:
        with self._lock:
            command, self._record_command = self._record_command, None
        if command is _STOP_RECORDING:
            self._finish_recording()
        elif isinstance(command, RecordRequest):
            self._finish_recording()
            try:
                self._recorder = LiveRecorder(command, info.width, info.height, info.fps,
                                              self._settings.style)
            except Exception as exc:  # noqa: BLE001 - reported, the preview goes on
                self.recording_failed.emit(describe_error(exc))
            else:
                self.recording_started.emit(str(command.output))

    def _record(self, result: LiveResult) -> None:
        if self._recorder is None:
            return
        try:
            # Only the skeleton picture is recorded; the raw one never is.
            self._recorder.write(replace(result, raw=None))
        except Exception as exc:  # noqa: BLE001
            self._abort_recording()
            self.recording_failed.emit(describe_error(exc))

    def _finish_recording(self) -> None:
        recorder, self._recorder = self._recorder, None
        if recorder is None:
            return
        try:
            path = recorder.close()
        except Exception as exc:  # noqa: BLE001
            self.recording_failed.emit(describe_error(exc))
        else:
            self.recording_stopped.emit(str(path))

    def _abort_recording(self) -> None:
        recorder, self._recorder = self._recorder, None
        if recorder is not None:
            recorder.abort()
