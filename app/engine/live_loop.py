"""The live loop, Qt-free: reads a source, runs one live step per frame,
records, watches for falls, and hands results over through a one-slot
mailbox.

It reads frames as fast as inference allows (the source drops stale ones).
Inference and drawing overlap: the loop's thread runs the landmarker and
people processing, and hands each pose to a drawing stage on its own thread
(`serial_stage.py`), which draws, records and publishes it while the
landmarker works on the next frame; so the preview shows frames at the
landmarker's rate, and a frame reaches the screen one inference plus one
drawing after its capture. A newer result replaces one the front end has
not taken yet, and only an empty mailbox calls `listener.frame_ready()`, so
a slow GUI never builds a queue (latest frame wins). Settings and record
commands arrive from any thread as immutable values and are taken between
frames; stopping is cooperative (an Event, and the source's interruptible
read). When the landmarker runs on the CPU although the settings ask for
the GPU, the listener is told (`device_noted`). The source and the
landmarker are created and closed on the loop's thread, the background and
a recording on the drawing thread, which `run` joins before it returns.
`app/gui/live/capture_worker.py` adapts it to Qt signals.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from app.analysis.events import Event, LiveFallMonitor
from app.engine.live import (
    Estimate,
    LivePainter,
    LiveProcessor,
    LiveResult,
    LiveSettings,
    RateMeter,
)
from app.engine.live_recorder import LiveRecorder, RecordRequest
from app.engine.messages import describe_error
from app.engine.serial_stage import SerialStage
from app.media.sources import FrameSource, SourceEnded, SourceInfo, SourceUnavailable

READ_TIMEOUT_S = 0.1  # how often the loop looks at stop and settings requests
RETRY_S = 0.25  # pause between reads while a source is unavailable
_STOP_RECORDING = object()


@dataclass(frozen=True, eq=False)
class LiveFrame:
    """What the GUI gets per shown frame: the result and the rates."""

    result: LiveResult | None  # None only until the drawing thread fills it in
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



class LiveListener(Protocol):
    """What the loop tells its front end. Called on the loop's thread."""

    def opened(self, info: SourceInfo) -> None: ...
    def frame_ready(self) -> None: ...
    def source_lost(self, message: str) -> None: ...
    def source_back(self) -> None: ...
    def fall_detected(self, alert: FallAlert) -> None: ...
    def device_noted(self, note: str) -> None: ...  # `LiveProcessor.device_note` changed ("": none)
    def recording_started(self, path: str) -> None: ...
    def recording_stopped(self, path: str) -> None: ...
    def recording_failed(self, message: str) -> None: ...


class LiveLoop:
    """One live session. Methods under "any thread" may be called from any
    thread; `run` belongs to the loop's own thread."""

    def __init__(self, source: FrameSource, model_path: Path, settings: LiveSettings,
                 listener: LiveListener) -> None:
        self.source = source
        self.model_path = Path(model_path)
        self.listener = listener
        self._settings = settings
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._new_settings: LiveSettings | None = None
        self._record_command: object | None = None
        self._latest: LiveFrame | None = None
        self._recorder: LiveRecorder | None = None  # drawing thread only
        self._painter = LivePainter()  # drawing thread only
        self._stage: SerialStage | None = None

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
        """The newest result, emptying the mailbox. Thread: the front end's."""
        with self._lock:
            latest, self._latest = self._latest, None
        return latest

    # worker thread ------------------------------------------------------------
    def run(self) -> None:
        """Opens the source, processes frames until stopped or the source
        ends, and closes everything it opened. Thread: the worker's; errors
        propagate (the caller reports them), a drawing error too."""
        info = self.source.open()
        processor = None
        self._stage = stage = SerialStage("posecloak-live-draw")
        try:
            self.listener.opened(info)
            processor = LiveProcessor(self.model_path, self._settings, info.fps)
            self._loop(processor, info)
            stage.submit(self._finish_recording)
            stage.submit(self._painter.close)
            stage.close()
        except BaseException:
            try:
                stage.close(raise_error=False)  # the error that ends the loop is this one
            finally:
                # The drawing thread has ended: its recording and background are ours.
                self._abort_recording()
                self._painter.close()
            raise
        finally:
            if processor is not None:
                processor.close()
            self.source.close()

    def _loop(self, processor: LiveProcessor, info: SourceInfo) -> None:
        capture, inference = RateMeter(), RateMeter()
        processed = 0
        lost = False
        noted = ""  # the device note the listener has
        last: Estimate | None = None
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
                    self.listener.source_lost(str(exc))
                self._stop.wait(RETRY_S)
                continue
            except SourceEnded:
                return
            if frame is None:
                if restyled and last is not None:
                    self._draw(last, LiveFrame(None, info, 0.0, 0.0, last_time or 0.0),
                               record=False)
                continue
            if lost:
                lost = False
                self.listener.source_back()
            if last_time is not None and not 0 <= frame.time_s - last_time < 1.0:
                processor.reset_tracking()  # looped or seeked: motion history is stale
            last_time = frame.time_s
            last = processor.estimate(frame)
            # An estimate makes the landmarker (the first, and again after a
            # cut or new settings), so its device is looked at after each;
            # the listener hears only changes.
            note = processor.device_note or ""
            if note != noted:
                noted = note
                self.listener.device_noted(note)
            processed += 1
            capture.add(getattr(self.source, "frames_seen", processed))
            inference.add(processed)
            self._draw(last, LiveFrame(None, info, capture.rate, inference.rate, frame.time_s),
                       record=True)
            for event in falls.update(last.pose):
                self._alert(event, last.session_s)

    def _draw(self, estimate: Estimate, frame: LiveFrame, record: bool) -> None:
        """Hands a pose to the drawing stage, which draws it with the
        settings of now, records it (new frames only) and publishes it."""
        settings = self._settings

        def draw() -> None:
            result = self._painter.paint(estimate, settings)
            if record:
                self._record(result)
            self._publish(replace(frame, result=result))
        self._on_drawing_thread(draw)

    def _alert(self, event: Event, now_s: float) -> None:
        """A fall is confirmed a while after it began (the body down and
        still: app/analysis/fall_detector.py): its clock time is that long
        before now."""
        clock = time.strftime("%H:%M:%S", time.localtime(time.time() - (now_s - event.time_s)))
        alert = FallAlert(event, clock)

        def log() -> None:  # the recording is the drawing thread's
            if self._recorder is not None:
                self._recorder.log_alert(event)
        self._on_drawing_thread(log)
        self.listener.fall_detected(alert)

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
            self.listener.frame_ready()

    def _on_drawing_thread(self, call: Callable[[], None]) -> None:
        stage = self._stage
        if stage is None:
            raise RuntimeError("the live loop is not running")
        stage.submit(call)

    # recording (commands taken on the loop's thread, run on the drawing one) ----
    def _take_record_command(self, info: SourceInfo) -> None:
        with self._lock:
            command, self._record_command = self._record_command, None
        if command is not None:
            self._on_drawing_thread(lambda: self._apply_record_command(command, info))

    def _apply_record_command(self, command: object, info: SourceInfo) -> None:
        if command is _STOP_RECORDING:
            self._finish_recording()
        elif isinstance(command, RecordRequest):
            self._finish_recording()
            try:
                from app.base.files import file_sha256
                self._recorder = LiveRecorder(command, info.width, info.height, info.fps,
                                              self._settings.skeleton.style,
                                              model_sha256=file_sha256(self.model_path),
                                              standard_body=self._settings.skeleton.people
                                              .standard_body)
            except Exception as exc:  # noqa: BLE001 - reported, the preview goes on
                self.listener.recording_failed(describe_error(exc))
            else:
                self.listener.recording_started(str(command.output))

    def _record(self, result: LiveResult) -> None:
        if self._recorder is None:
            return
        try:
            # Only the skeleton picture is recorded; the raw one never is.
            self._recorder.write(replace(result, raw=None))
        except Exception as exc:  # noqa: BLE001
            self._abort_recording()
            self.listener.recording_failed(describe_error(exc))

    def _finish_recording(self) -> None:
        recorder, self._recorder = self._recorder, None
        if recorder is None:
            return
        try:
            path = recorder.close()
        except Exception as exc:  # noqa: BLE001
            self.listener.recording_failed(describe_error(exc))
        else:
            self.listener.recording_stopped(str(path))

    def _abort_recording(self) -> None:
        recorder, self._recorder = self._recorder, None
        if recorder is not None:
            recorder.abort()
