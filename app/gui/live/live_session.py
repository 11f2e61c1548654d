"""Starts and stops the capture worker on its own QThread (GUI side)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal

from app.engine.live import LiveSettings
from app.gui.live.capture_worker import CaptureWorker
from app.media.sources import FrameSource


class _CaptureThread(QThread):
    """Runs the worker's loop as the thread's body: the thread ends when the
    loop does, with no event loop to quit (a queued quit could deadlock with
    a GUI thread that is waiting for the thread)."""

    def __init__(self, worker: CaptureWorker, parent: QObject) -> None:
        super().__init__(parent)
        self._worker = worker

    def run(self) -> None:
        self._worker.run()


class LiveSession(QObject):
    """One live source at a time. Thread: GUI.

    `stop` only asks the worker to stop (it may be loading the model); the
    thread is cleaned up when it has finished, and `running_changed(False)`
    follows. `wait` blocks until then (closing the window, tests).
    """

    running_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker: CaptureWorker | None = None
        self._thread: QThread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self, source: FrameSource, model_path: Path, settings: LiveSettings,
              connect: Callable[[CaptureWorker], None]) -> CaptureWorker:
        """Creates the worker, lets `connect` hook up its signals (before the
        thread runs, so no early signal is missed), then starts the thread."""
        if self.running:
            raise RuntimeError("a live source is already running")
        worker = CaptureWorker(source, model_path, settings)
        thread = _CaptureThread(worker, self)
        thread.setObjectName("posecloak-capture")
        thread.finished.connect(self._on_thread_finished)
        self.worker, self._thread = worker, thread
        connect(worker)
        thread.start()
        self.running_changed.emit(True)
        return worker

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.request_stop()

    def wait(self, timeout_ms: int = 10000) -> bool:
        """Stops and blocks until the worker thread has ended."""
        thread = self._thread
        if thread is None:
            return True
        self.stop()
        ended = thread.wait(timeout_ms)
        if ended:
            self._on_thread_finished()
        return ended

    def _on_thread_finished(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self.worker = None
        thread.deleteLater()
        self.running_changed.emit(False)
