"""The live area: source bar, preview and the live session behind them.

Shows the newest frame only (the worker's mailbox), reports rates for the
status bar, and turns clicks on a person into an exclusion request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.base.text import count_of
from app.base.types import PoseFrame
from app.engine.live import LiveSettings, person_at
from app.engine.live_recorder import RecordRequest
from app.gui.live.alert_banner import FallBanner
from app.gui.live.capture_worker import CaptureWorker, LiveFrame
from app.gui.live.live_session import LiveSession
from app.gui.live.preview import PreviewPanel
from app.gui.live.source_bar import SourceBar, SourceChoice
from app.media.camera import NO_CAMERA_MESSAGE, CameraSource
from app.media.sources import FileSource, FrameSource, SourceInfo

STATUS_MS = 250  # the status bar is refreshed on a timer, not per frame


class LivePanel(QWidget):
    """Thread: GUI."""

    frame_shown = Signal(object)  # LiveFrame
    status_changed = Signal(str, str, str, str, str)  # source, size, capture, inference, people
    person_excluded = Signal(int)
    message = Signal(str)  # a short status-bar message
    device_noted = Signal(str)  # where the pose model runs, when not where asked ("": no note)
    error = Signal(str, str)  # title, text: worth a dialog
    _alert_failed = Signal(str)
    running_changed = Signal(bool)

    def __init__(self, record_request: Callable[[], RecordRequest | None] = lambda: None,
                 parent: QWidget | None = None) -> None:
        """`record_request()` names what a recording writes (None: the user
        cancelled); the window supplies it."""
        super().__init__(parent)
        self._record_request = record_request
        self.source_bar = SourceBar()
        self.preview = PreviewPanel()
        self.fall_banner = FallBanner()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.source_bar)
        layout.addWidget(self.fall_banner)
        layout.addWidget(self.preview, 1)

        self.session = LiveSession(self)
        self.session.running_changed.connect(self._on_running_changed)
        self.model_path: Path | None = None
        self.settings = LiveSettings()
        self.frames_shown = 0
        self._latest: LiveFrame | None = None
        self._info: SourceInfo | None = None
        self._source: FrameSource | None = None
        self._pending_play: tuple[Path, float] | None = None  # play_file_at after a stop
        from app.engine.alerts import AlertSettings
        self._alerts = self._new_sender(AlertSettings())
        # An alert's failure comes from the sender's thread: queued to the GUI.
        self._alert_failed.connect(lambda m: self.message.emit(f"Alert not sent: {m}"))

        self.source_bar.start_requested.connect(self.start_selected)
        self.source_bar.stop_requested.connect(self.stop)
        self.source_bar.pause_toggled.connect(self._on_pause)
        self.source_bar.seek_requested.connect(self._on_seek)
        self.source_bar.show_raw_toggled.connect(self._on_show_raw)
        self.source_bar.record_toggled.connect(self._on_record)
        self.source_bar.source_kind_changed.connect(self.preview.set_raw_kind)
        self.preview.skeleton.image_clicked.connect(self._on_preview_clicked)

        self._status_timer = QTimer(self)
        self._status_timer.setInterval(STATUS_MS)
        self._status_timer.timeout.connect(self._report_status)

    @property
    def worker(self) -> CaptureWorker | None:
        return self.session.worker

    @property
    def running(self) -> bool:
        return self.session.running

    @property
    def latest_pose(self) -> PoseFrame | None:
        return self._latest.result.pose if self._latest else None

    def set_settings(self, settings: LiveSettings) -> None:
        """New style, background or people options: used from the next frame."""
        self.settings = settings
        if self.worker is not None:
            self.worker.update_settings(settings)

    # start / stop ------------------------------------------------------------------
    def source_for(self, choice: SourceChoice) -> FrameSource:
        if choice.kind == "camera":
            return CameraSource(choice.camera)
        if choice.kind == "stream":
            from app.media.network import NetworkSource
            return NetworkSource(choice.stream)
        return FileSource(choice.path)

    def start_selected(self) -> None:
        choice = self.source_bar.choice()
        if choice is None:
            self.error.emit("No live source", NO_CAMERA_MESSAGE)
            return
        self.start(self.source_for(choice))

    def start(self, source: FrameSource) -> bool:
        """Starts `source` (any FrameSource: camera, file, synthetic)."""
        if self.running:
            return False
        if self.model_path is None:
            self.error.emit("The pose model is not ready",
                            "The pose model is still loading or could not be found; see the "
                            "Export tab for details.")
            return False
        self._source = source
        self.fall_banner.clear()
        self.session.start(source, self.model_path, self.settings, self._connect_worker)
        self.preview.skeleton.set_overlay("Starting\u2026")
        self.message.emit(f"Starting {source.name}\u2026")
        return True

    def _connect_worker(self, worker: CaptureWorker) -> None:
        worker.opened.connect(self._on_opened)
        worker.frame_ready.connect(self._on_frame_ready)
        worker.source_lost.connect(self._on_source_lost)
        worker.source_back.connect(self._on_source_back)
        worker.device_noted.connect(self._on_device_noted)
        worker.recording_started.connect(self._on_recording_started)
        worker.recording_stopped.connect(self._on_recording_stopped)
        worker.recording_failed.connect(self._on_recording_failed)
        worker.failed.connect(self._on_worker_failed)
        worker.fall_detected.connect(self._on_fall)

    def stop(self) -> None:
        self.session.stop()

    def shutdown(self, timeout_ms: int = 15000) -> bool:
        """Stops and waits for the capture thread (closing the window), and
        gives a fall alert still being sent a few seconds to go."""
        stopped = self.session.wait(timeout_ms)
        self._alerts.close(timeout=5.0)
        return stopped

    # worker signals ------------------------------------------------------------------
    def _on_running_changed(self, running: bool) -> None:
        if running:
            self._status_timer.start()
        else:
            self._status_timer.stop()
            self._info = None
            self._latest = None
            self._source = None
            self.source_bar.set_running(False)
            self.preview.skeleton.set_overlay("")
            self.preview.raw.set_image(None)
            self.status_changed.emit("No live source", "", "", "", "")
            self.device_noted.emit("")  # the session's landmarker is gone
        self.running_changed.emit(running)
        if not running:
            self._start_pending()

    def _on_opened(self, info: SourceInfo) -> None:
        self._info = info
        self.source_bar.set_running(True, info.seekable, info.duration_s)
        self.preview.skeleton.set_overlay("Loading the pose model\u2026")

    def _on_frame_ready(self) -> None:
        worker = self.worker
        frame = worker.take_latest() if worker is not None else None
        if frame is None:
            return
        if self._latest is None:
            self.preview.skeleton.set_overlay("")
        self._latest = frame
        self.frames_shown += 1
        result = frame.result
        self.preview.skeleton.set_image(result.rendered)
        if self.preview.raw.isVisible() and result.raw is not None:
            self.preview.raw.set_image(result.raw)
        self.source_bar.set_position(frame.position_s)
        self.frame_shown.emit(frame)

    def _on_source_lost(self, message: str) -> None:
        from app.media.network import NetworkSource
        waiting = "Reconnecting" if isinstance(self._source, NetworkSource) else \
            "Waiting for it to come back"
        text = f"{message} {waiting}\u2026"
        self.preview.skeleton.set_overlay(text)
        self.message.emit(text)

    def _on_source_back(self) -> None:
        self.preview.skeleton.set_overlay("")
        self.message.emit("The live source is back.")

    @Slot(str)
    def _on_device_noted(self, note: str) -> None:
        """Thread: GUI (a queued slot of this widget: the worker's signal is
        emitted on the capture thread, and the note, a str, crosses as is)."""
        self.device_noted.emit(note)

    def _on_fall(self, alert) -> None:
        self.fall_banner.show_alert(alert)
        self.message.emit(alert.text)
        if self._alerts.settings.enabled:
            from app.engine.alerts import clock_epoch, fall_alert
            name = self._source.name if self._source is not None else "live"
            self._alerts.send(fall_alert(name, alert.event.person_id, alert.event.confidence,
                                         clock_epoch(alert.clock)))

    def set_alerts(self, settings) -> None:
        """Where live fall alerts go (AlertSettings), as `posecloak watch`
        sends them. Thread: GUI."""
        if settings == self._alerts.settings:
            return
        old, self._alerts = self._alerts, self._new_sender(settings)
        old.close(timeout=0)  # its thread finishes what it has on its own

    def _new_sender(self, settings):
        from app.engine.alerts import AlertSender
        return AlertSender(settings, on_error=lambda m: self._alert_failed.emit(m))

    def play_file_at(self, path: Path, seconds: float) -> None:
        """Shows `path` in the preview at `seconds` (an event's time): seeks
        when that file is already playing, else (re)starts the preview on it."""
        source = self._source
        if self.running and isinstance(source, FileSource) and source.path == Path(path):
            source.seek(seconds)
            return
        self._pending_play = (Path(path), seconds)
        if self.running:
            self.stop()  # started again once the old session has ended
        else:
            self._start_pending()

    def _start_pending(self) -> None:
        pending, self._pending_play = self._pending_play, None
        if pending is None:
            return
        path, seconds = pending
        self.source_bar.set_file(path)
        source = FileSource(path)
        source.seek(seconds)
        self.start(source)

    def _on_worker_failed(self, message: str) -> None:
        self.error.emit("The live preview stopped", message)

    def _on_recording_started(self, path: str) -> None:
        self.message.emit(f"Recording the skeleton to {path}")

    def _on_recording_stopped(self, path: str) -> None:
        self.message.emit(f"Recording saved: {path}")

    def _on_recording_failed(self, message: str) -> None:
        self.source_bar.record.setChecked(False)
        self.error.emit("Recording failed", message)

    def _report_status(self) -> None:
        info, frame = self._info, self._latest
        if info is None:
            return
        capture = f"capture {frame.capture_fps:.1f} fps" if frame else "capture \u2013"
        inference = f"inference {frame.inference_fps:.1f} fps" if frame else "inference \u2013"
        people = count_of(frame.result.pose.people, "person") if frame else ""
        self.status_changed.emit(info.name, f"{info.width}\u00d7{info.height}", capture,
                                 inference, people)

    # controls ------------------------------------------------------------------------
    def _on_pause(self, paused: bool) -> None:
        set_paused = getattr(self._source, "set_paused", None)
        if set_paused is not None:
            set_paused(paused)

    def _on_seek(self, seconds: float) -> None:
        seek = getattr(self._source, "seek", None)
        if seek is not None:
            seek(seconds)

    def _on_show_raw(self, show: bool) -> None:
        self.preview.set_show_raw(show)
        self.set_settings(replace(self.settings, show_raw=show))

    def _on_record(self, on: bool) -> None:
        worker = self.worker
        if worker is None:
            self.source_bar.record.setChecked(False)
            return
        if not on:
            worker.stop_recording()
            return
        request = self._record_request()
        if request is None:
            self.source_bar.record.setChecked(False)
            return
        worker.start_recording(request)

    def _on_preview_clicked(self, x: float, y: float) -> None:
        pose = self.latest_pose
        if pose is None:
            return
        person = person_at(pose, x, y)
        if person is None:
            self.message.emit("No person there to leave out.")
            return
        self.person_excluded.emit(person)


def recording_name(folder: Path) -> Path:
    return folder / time.strftime("live-%Y%m%d-%H%M%S.mp4")
