"""The capture worker: the Qt side of a live session. It runs the Qt-free
`LiveLoop` (app/engine/live_loop.py) on its own QThread and turns what the
loop reports into signals, which Qt delivers to GUI-thread slots.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.engine.live import LiveSettings
from app.engine.live_loop import FallAlert, LiveFrame, LiveLoop
from app.engine.live_recorder import RecordRequest
from app.engine.messages import describe_error
from app.media.sources import FrameSource, SourceInfo

__all__ = ["CaptureWorker", "FallAlert", "LiveFrame"]


class CaptureWorker(QObject):
    opened = Signal(object)  # SourceInfo
    fall_detected = Signal(object)  # FallAlert (never dropped, unlike frames)
    frame_ready = Signal()  # the newest LiveFrame waits in take_latest()
    source_lost = Signal(str)
    device_noted = Signal(str)  # "Pose on the CPU: the GPU could not start (why)", or "" again
    source_back = Signal()
    recording_started = Signal(str)
    recording_stopped = Signal(str)  # the finished file
    recording_failed = Signal(str)
    failed = Signal(str)  # the session ended with an error
    finished = Signal()  # always last

    def __init__(self, source: FrameSource, model_path: Path, settings: LiveSettings) -> None:
        super().__init__()
        self.source = source
        self.loop = LiveLoop(source, model_path, settings, _SignalListener(self))

    # any thread -------------------------------------------------------------
    def request_stop(self) -> None:
        self.loop.request_stop()

    def update_settings(self, settings: LiveSettings) -> None:
        """Applied before the next frame (or at once to a paused picture)."""
        self.loop.update_settings(settings)

    def start_recording(self, request: RecordRequest) -> None:
        self.loop.start_recording(request)

    def stop_recording(self) -> None:
        self.loop.stop_recording()

    def take_latest(self) -> LiveFrame | None:
        """The newest result, emptying the mailbox. Thread: GUI."""
        return self.loop.take_latest()

    # worker thread ------------------------------------------------------------
    def run(self) -> None:
        try:
            self.loop.run()
        except Exception as exc:  # noqa: BLE001 - a worker error must never take the window down
            self.failed.emit(describe_error(exc))
        finally:
            self.finished.emit()


class _SignalListener:
    """The loop's listener: each report becomes the worker's signal."""

    def __init__(self, worker: CaptureWorker) -> None:
        self._w = worker

    def opened(self, info: SourceInfo) -> None:
        self._w.opened.emit(info)

    def frame_ready(self) -> None:
        self._w.frame_ready.emit()

    def source_lost(self, message: str) -> None:
        self._w.source_lost.emit(message)

    def source_back(self) -> None:
        self._w.source_back.emit()

    def device_noted(self, note: str) -> None:
        self._w.device_noted.emit(note)

    def fall_detected(self, alert: FallAlert) -> None:
        self._w.fall_detected.emit(alert)

    def recording_started(self, path: str) -> None:
        self._w.recording_started.emit(path)

    def recording_stopped(self, path: str) -> None:
        self._w.recording_stopped.emit(path)

    def recording_failed(self, message: str) -> None:
        self._w.recording_failed.emit(message)
