"""The live source controls above the preview: source, start/stop, pause,
seek, raw view and record."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QWidget,
)

from app.base.text import format_duration
from app.gui.panels.background_panel import media_filter
from app.media.camera import NO_CAMERA_MESSAGE, CameraDevice
from app.media.network import StreamUrl

_SEEK_STEPS = 1000


@dataclass(frozen=True)
class SourceChoice:
    kind: str  # "camera", "file" or "stream" (a network camera)
    camera: CameraDevice | None = None
    path: Path | None = None
    stream: StreamUrl | None = None  # its password in memory only

    @property
    def label(self) -> str:
        if self.kind == "camera":
            return self.camera.label if self.camera else ""
        if self.kind == "stream":
            return self.stream.redacted() if self.stream else ""
        return self.path.name if self.path else ""


def _clock(seconds: float) -> str:
    return format_duration(max(0.0, seconds))


class SourceBar(QWidget):
    """Thread: GUI."""

    start_requested = Signal()
    stop_requested = Signal()
    pause_toggled = Signal(bool)
    seek_requested = Signal(float)
    show_raw_toggled = Signal(bool)
    record_toggled = Signal(bool)
    source_kind_changed = Signal(str)  # "camera", "file", "stream" or "" (nothing to start)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = QComboBox()
        self.source.setMinimumWidth(190)
        self.source.setToolTip("The live source: a camera, a network camera (rtsp://, http://) "
                               "or a video file played in real time")
        self.start = QPushButton("Start")
        self.start.setObjectName("Primary")
        self.start.setCheckable(True)
        self.start.setToolTip("Start or stop the live preview (Ctrl+L)")
        self.pause = QPushButton("Pause")
        self.pause.setCheckable(True)
        self.pause.setToolTip("Pause or resume a video file (Space)")
        self.seek = QSlider(Qt.Orientation.Horizontal)
        self.seek.setRange(0, _SEEK_STEPS)
        self.seek.setToolTip("Position in the video file")
        self.time = QLabel("0:00 / 0:00")
        self.time.setObjectName("Muted")
        self.show_raw = QPushButton("Show camera")
        self.show_raw.setCheckable(True)
        self.show_raw.setToolTip("Show the raw picture beside the skeleton for framing; it is "
                                 "never recorded or saved (Ctrl+K)")
        self.record = QPushButton("\u25cf Record")
        self.record.setObjectName("Record")
        self.record.setCheckable(True)
        self.record.setToolTip("Record the skeleton (never the camera picture) to a video "
                               "without audio (Ctrl+R)")

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        for widget in (self.source, self.start, self.pause):
            layout.addWidget(widget)
        layout.addWidget(self.seek, 1)
        for widget in (self.time, self.show_raw, self.record):
            layout.addWidget(widget)

        self._duration = 0.0
        self._file_item_path: Path | None = None
        self._stream: StreamUrl | None = None
        self._cameras: dict[int, CameraDevice] = {}
        self.source.activated.connect(self._on_source_activated)
        self.start.clicked.connect(self._on_start_clicked)
        self.pause.toggled.connect(self.pause_toggled)
        self.seek.sliderReleased.connect(self._on_seek)
        self.show_raw.toggled.connect(self.show_raw_toggled)
        self.record.clicked.connect(self.record_toggled)
        self.source.currentIndexChanged.connect(self._on_choice_changed)
        self._running = False
        self.set_cameras([])
        self.set_running(False)

    # sources --------------------------------------------------------------------
    # Items carry string keys ("camera:N", "file", "browse"): Qt compares
    # item data by value only for its own types.
    def set_cameras(self, cameras: list[CameraDevice]) -> None:
        current = self.source.currentData()
        self.source.clear()
        self._cameras = {cam.index: cam for cam in cameras}
        for cam in cameras:
            self.source.addItem(cam.label, f"camera:{cam.index}")
        if not cameras:
            self.source.addItem("No camera found", "none")
            item = self.source.model().item(0)
            item.setEnabled(False)
            item.setToolTip(NO_CAMERA_MESSAGE)
        if self._stream is not None:
            self.source.addItem(self._stream.redacted(), "stream")
        if self._file_item_path is not None:
            self.source.addItem(self._file_item_path.name, "file")
        self.source.addItem("Network camera\u2026", "network")
        self.source.addItem("Video file\u2026", "browse")
        index = self.source.findData(current) if current not in (None, "none", "browse",
                                                                 "network") else -1
        if index < 0:
            index = 0 if cameras else max(0, self.source.findData("file"))
        self.source.setCurrentIndex(index)

    def set_file(self, path: Path) -> None:
        """Makes `path` the selected source (replacing an earlier file)."""
        self._file_item_path = Path(path)
        index = self.source.findData("file")
        if index < 0:
            index = self.source.findData("browse")
            self.source.insertItem(index, self._file_item_path.name, "file")
        else:
            self.source.setItemText(index, self._file_item_path.name)
        self.source.setItemData(index, str(path), Qt.ItemDataRole.ToolTipRole)
        self.source.setCurrentIndex(index)

    def set_stream(self, stream: StreamUrl) -> None:
        """Makes the network camera `stream` the selected source (replacing
        an earlier one); its address is shown redacted."""
        self._stream = stream
        index = self.source.findData("stream")
        if index < 0:
            index = self.source.findData("network")
            self.source.insertItem(index, stream.redacted(), "stream")
        else:
            self.source.setItemText(index, stream.redacted())
        self.source.setItemData(index, stream.redacted(), Qt.ItemDataRole.ToolTipRole)
        self.source.setCurrentIndex(index)

    def choice(self) -> SourceChoice | None:
        key = self.source.currentData()
        if isinstance(key, str) and key.startswith("camera:"):
            camera = self._cameras.get(int(key.split(":")[1]))
            return SourceChoice("camera", camera) if camera is not None else None
        if key == "file" and self._file_item_path is not None:
            return SourceChoice("file", path=self._file_item_path)
        if key == "stream" and self._stream is not None:
            return SourceChoice("stream", stream=self._stream)
        return None

    def _fallback_index(self) -> int:
        for key in ("stream", "file"):
            if (index := self.source.findData(key)) >= 0:
                return index
        return 0

    def _on_source_activated(self, _index: int) -> None:
        if self.source.currentData() == "network":
            from app.gui.live.network_camera import NetworkCameraDialog
            dialog = NetworkCameraDialog(self)
            if dialog.exec() and dialog.stream() is not None:
                self.set_stream(dialog.stream())
            else:
                self.source.setCurrentIndex(self._fallback_index())
            return
        if self.source.currentData() != "browse":
            return
        name, _ = QFileDialog.getOpenFileName(self, "Video file as live source", "",
                                              media_filter())
        if name:
            self.set_file(Path(name))
        else:
            self.source.setCurrentIndex(max(0, self.source.findData("file")))

    # state ----------------------------------------------------------------------
    def toggle_pause(self) -> None:
        """Pauses or resumes (Space), when pausing is possible."""
        if self.pause.isEnabled():
            self.pause.toggle()

    def toggle_record(self) -> None:
        """Starts or stops a recording (Ctrl+R), when recording is possible."""
        if self.record.isEnabled():
            self.record.click()

    def toggle_show_raw(self) -> None:
        """Shows or hides the original picture beside the skeleton (Ctrl+K)."""
        self.show_raw.click()

    def _on_choice_changed(self, _index: int = -1) -> None:
        """Start only with something to start; the raw view named for what it shows."""
        choice = self.choice()
        kind = choice.kind if choice is not None else ""
        self.start.setEnabled(self._running or choice is not None)
        self.show_raw.setText("Show original" if kind == "file" else "Show camera")
        self.source_kind_changed.emit(kind)

    def set_running(self, running: bool, seekable: bool = False, duration_s: float = 0.0) -> None:
        self._running = running
        self.start.setChecked(running)
        self.start.setText("Stop" if running else "Start")
        self.source.setEnabled(not running)
        self.pause.setEnabled(running and seekable)
        self.seek.setEnabled(running and seekable)
        self.record.setEnabled(running)
        self._duration = duration_s if seekable else 0.0
        if not running:
            self.pause.setChecked(False)
            self.record.setChecked(False)
            self.seek.setValue(0)
            self.time.setText("0:00 / 0:00")
        self._on_choice_changed()

    def set_position(self, seconds: float) -> None:
        if self._duration <= 0:
            self.time.setText(_clock(seconds))
            return
        if not self.seek.isSliderDown():
            self.seek.setValue(round(_SEEK_STEPS * min(1.0, seconds / self._duration)))
        self.time.setText(f"{_clock(seconds)} / {_clock(self._duration)}")

    def _on_start_clicked(self, checked: bool) -> None:
        self.start.setChecked(not checked)  # the window confirms the new state
        (self.start_requested if checked else self.stop_requested).emit()

    def _on_seek(self) -> None:
        if self._duration > 0:
            self.seek_requested.emit(self.seek.value() / _SEEK_STEPS * self._duration)
