"""Export and model settings: output folder, keypoints, audio, offline mode,
and where the model runs (CPU or GPU)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from app.base.setting_spec import spec_of
from app.base.settings import DEVICES, DetectionSettings
from app.base.text import standard_body_note
from app.gui.panels.settings_panel import SettingsPanel
from app.gui.panels.widgets import form_group, path_row, tooltip_of
from app.studio.studio_settings import StudioSettings

_DEVICE_LABELS = {"cpu": "CPU", "gpu": "GPU where available"}  # one per DEVICES


def default_output_dir() -> Path:
    movies = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.MoviesLocation)
    return Path(movies or Path.home()) / "PoseCloak"


def output_dir_of(settings: StudioSettings) -> Path:
    return Path(settings.output_dir).expanduser() if settings.output_dir else default_output_dir()


class ExportPanel(SettingsPanel):
    """Thread: GUI. The model buttons only ask (`choose_model_requested`,
    `retry_download_requested`); the model controller does the work."""

    choose_model_requested = Signal()
    retry_download_requested = Signal()

    def _build(self, layout: QVBoxLayout) -> None:
        box, form = form_group("Output")
        self.folder = QLineEdit()
        self.folder.setReadOnly(True)
        self.folder.setToolTip("Where converted files and recordings are saved")
        row, _ = path_row(self.folder, self.choose_output_folder)
        form.addRow("Folder", row)
        self.json = QCheckBox("Keypoints as JSON")
        self.json.setToolTip("Write landmark positions beside each video (needed for plots)")
        self.csv = QCheckBox("Keypoints as CSV")
        self.csv.setToolTip("Write one CSV row per landmark beside each video")
        self.audio = QCheckBox("Keep audio")
        self.audio.setToolTip("Copy the source's soundtrack into exported videos (off by "
                              "default; recordings never have audio)")
        self.audio_note = QLabel("Voices can identify people: leave this off to share "
                                 "movement only.")
        self.audio_note.setObjectName("Muted")
        self.audio_note.setWordWrap(True)
        self.report = QCheckBox("Analysis report (web page, CSV)")
        self.report.setToolTip("Write NAME_report.html, NAME_angles.csv and NAME_events.csv "
                               "beside each video: joint angles, activity, falls")
        self.body_note = QLabel()  # which body exports get (set in the People tab)
        self.body_note.setObjectName("Muted")
        self.body_note.setWordWrap(True)
        self.record_keypoints = QCheckBox("Keypoints with live recordings")
        self.transparent = QCheckBox("Transparent video (WebM, for editors)")
        self.transparent.setToolTip("Export a see-through VP9 WebM layer with no background, "
                                    "to lay over other footage in an editor")
        for box_widget in (self.json, self.csv, self.report, self.audio, self.audio_note,
                           self.transparent,
                           self.record_keypoints, self.body_note):
            form.addRow(box_widget)
        layout.addWidget(box)

        box, form = form_group("Pose model")
        self.offline = QCheckBox("Offline (never download the model)")
        self.offline.setToolTip("Use only a model already on this computer")
        self.model_label = QLabel("Looking for the model\u2026")
        self.model_label.setObjectName("Muted")
        self.model_label.setWordWrap(True)
        self.choose_model = QPushButton("Choose model file\u2026")
        self.choose_model.setToolTip("Use a pose model file (pose_landmarker_*.task) you "
                                     "have; PoseCloak remembers it")
        self.choose_model.clicked.connect(self.choose_model_requested)
        self.retry_download = QPushButton("Retry download")
        self.retry_download.setToolTip("Try to download the pose model (9 MB) again")
        self.retry_download.clicked.connect(self.retry_download_requested)
        model_row = QHBoxLayout()
        model_row.setSpacing(6)
        model_row.addWidget(self.choose_model)
        model_row.addWidget(self.retry_download)
        model_row.addStretch(1)
        self.device = QComboBox()
        for device in DEVICES:
            self.device.addItem(_DEVICE_LABELS[device], device)
        self.device.setToolTip(tooltip_of(spec_of(DetectionSettings, "device")))
        form.addRow(self.offline)
        form.addRow("Runs on", self.device)
        form.addRow(self.model_label)
        form.addRow(model_row)
        layout.addWidget(box)

        box, form = form_group("Fall alerts")
        self.alert_command = QLineEdit()
        self.alert_command.setPlaceholderText('notify-send "Fall" "$POSECLOAK_EVENT_CAMERA"')
        self.alert_command.setToolTip("A command run at each live fall alert, with the event as "
                                      "JSON on its input and in POSECLOAK_EVENT_* variables "
                                      "(the same as posecloak watch --on-alert)")
        self.alert_url = QLineEdit()
        self.alert_url.setPlaceholderText("http://192.168.1.10:8080/falls")
        self.alert_url.setToolTip("Your own address, sent each live fall alert as JSON (kind, "
                                  "time, camera, person ID, confidence: never a picture)")
        self.alert_error = QLabel()
        self.alert_error.setObjectName("Error")
        self.alert_error.setWordWrap(True)
        self.alert_error.hide()
        form.addRow("Command", self.alert_command)
        form.addRow("Send to", self.alert_url)
        form.addRow(self.alert_error)
        layout.addWidget(box)
        self.alert_command.editingFinished.connect(
            lambda: self._edit(alert_command=self.alert_command.text().strip()))
        self.alert_url.editingFinished.connect(self._alert_url_edited)

        self.json.toggled.connect(lambda _on: self._keypoints())
        self.csv.toggled.connect(lambda _on: self._keypoints())
        self.audio.toggled.connect(lambda on: self._edit(keep_audio=on))
        self.report.toggled.connect(lambda on: self._edit(report=on))
        self.record_keypoints.toggled.connect(lambda on: self._edit(record_keypoints=on))
        self.transparent.toggled.connect(lambda on: self._edit(transparent=on))
        self.offline.toggled.connect(lambda on: self._edit(offline=on))
        self.device.currentIndexChanged.connect(lambda _i: self._edit(detection=replace(
            self.settings.detection, device=self.device.currentData())))

    def _alert_url_edited(self) -> None:
        text = self.alert_url.text().strip()
        try:
            self._edit(alert_url=text)
        except ValueError as exc:
            self.alert_error.setText(f"{exc}; alerts are not sent there.")
            self.alert_error.show()
        else:
            self.alert_error.hide()

    def _show(self, settings: StudioSettings) -> None:
        self.alert_command.setText(settings.alert_command)
        self.alert_url.setText(settings.alert_url)
        self.folder.setText(str(output_dir_of(settings)))
        self.json.setChecked("json" in settings.keypoints)
        self.csv.setChecked("csv" in settings.keypoints)
        self.audio.setChecked(settings.keep_audio)
        self.body_note.setText(standard_body_note(settings.people.standard_body))
        self.report.setChecked(settings.report)
        self.record_keypoints.setChecked(settings.record_keypoints)
        self.transparent.setChecked(settings.transparent)
        self.offline.setChecked(settings.offline)
        self.retry_download.setEnabled(not settings.offline)
        self.device.setCurrentIndex(max(0, self.device.findData(settings.detection.device)))

    def set_model_text(self, text: str) -> None:
        # A break opportunity after each "/" lets a long folder wrap instead
        # of widening the panel (which would scroll sideways).
        self.model_label.setText(text.replace("/", "/\u200b").replace("\\", "\\\u200b"))
        self.model_label.setToolTip(text)

    def _keypoints(self) -> None:
        formats = tuple(f for f, box in (("json", self.json), ("csv", self.csv)) if box.isChecked())
        self._edit(keypoints=formats)

    def choose_output_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Output folder", self.folder.text())
        if folder:
            self._edit(output_dir=folder)
            self.folder.setText(folder)
