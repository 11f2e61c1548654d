"""Background controls: a colour, or an image or video with fit and loop."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
)

from app.base.formats import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS
from app.base.settings import BackgroundSpec, FitMode
from app.engine.backgrounds import background_still
from app.gui.live.preview import rgb_to_qimage
from app.gui.panels.settings_panel import SettingsPanel
from app.gui.panels.widgets import ColorButton, form_group
from app.gui.shell.tasks import run_in_pool
from app.studio.studio_settings import StudioSettings

THUMB_W, THUMB_H = 240, 135
_FIT_LABELS = {FitMode.FIT: "Fit (letterbox)", FitMode.FILL: "Fill (crop)",
               FitMode.STRETCH: "Stretch"}


def media_filter() -> str:
    images = " ".join(f"*{e}" for e in sorted(IMAGE_EXTENSIONS))
    videos = " ".join(f"*{e}" for e in sorted(VIDEO_EXTENSIONS))
    return f"Images and videos ({images} {videos});;Images ({images});;Videos ({videos})"


class BackgroundPanel(SettingsPanel):
    def _build(self, layout: QVBoxLayout) -> None:
        self.thumbnail = QLabel()
        self.thumbnail.setFixedSize(THUMB_W, THUMB_H)
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumbnail.setToolTip("What the skeleton is drawn on")
        layout.addWidget(self.thumbnail, 0, Qt.AlignmentFlag.AlignHCenter)

        box, form = form_group("Background")
        self.use_color = QRadioButton("Colour")
        self.use_file = QRadioButton("Image or video")
        group = QButtonGroup(self)
        group.addButton(self.use_color)
        group.addButton(self.use_file)
        kinds = QHBoxLayout()
        kinds.addWidget(self.use_color)
        kinds.addWidget(self.use_file)
        kinds.addStretch(1)
        form.addRow(kinds)
        self.color = ColorButton(tooltip="Background colour (also the letterbox colour)")
        form.addRow("Colour", self.color)
        self.file_label = QLabel("No file chosen")
        self.file_label.setObjectName("Muted")
        self.file_label.setWordWrap(True)
        choose = QPushButton("Choose\u2026")
        choose.setToolTip("Pick a background image or video")
        choose.clicked.connect(self._choose_file)
        row = QHBoxLayout()
        row.addWidget(self.file_label, 1)
        row.addWidget(choose)
        form.addRow("File", row)
        self.fit = QComboBox()
        for mode, label in _FIT_LABELS.items():
            self.fit.addItem(label, mode)
        self.fit.setToolTip("How a background of another shape fills the frame")
        form.addRow("Fit", self.fit)
        self.loop = QComboBox()
        self.loop.addItem("Loop", True)
        self.loop.addItem("Hold last frame", False)
        self.loop.setToolTip("What a shorter background video does at its end")
        form.addRow("Video end", self.loop)
        layout.addWidget(box)

        self.use_color.toggled.connect(self._on_kind)
        self.color.color_changed.connect(lambda rgb: self._background(color=rgb))
        self.fit.currentIndexChanged.connect(
            lambda _i: self._background(fit=self.fit.currentData()))
        self.loop.currentIndexChanged.connect(
            lambda _i: self._background(loop=bool(self.loop.currentData())))
        self._chosen_path: Path | None = None
        self._thumb_key = None

    def _show(self, settings: StudioSettings) -> None:
        bg = settings.background
        if bg.path is not None:
            self._chosen_path = Path(bg.path)
        self.use_color.setChecked(bg.path is None)
        self.use_file.setChecked(bg.path is not None)
        self.color.set_color(bg.color)
        self.file_label.setText(self._chosen_path.name if self._chosen_path else "No file chosen")
        self.fit.setCurrentIndex(max(0, self.fit.findData(bg.fit)))
        self.loop.setCurrentIndex(0 if bg.loop else 1)
        self.loop.setEnabled(bg.kind == "video")
        self.fit.setEnabled(bg.path is not None)
        self._refresh_thumbnail(bg)

    def _on_kind(self, use_color: bool) -> None:
        if self._loading:
            return
        if not use_color and self._chosen_path is None:
            self._choose_file()
            return
        self._background(path=None if use_color else self._chosen_path)

    def _choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Background image or video", "",
                                              media_filter())
        if name:
            self.choose_path(Path(name))
        elif self._chosen_path is None:
            self._show_settings(self.settings)  # back to the colour radio

    def choose_path(self, path: Path) -> None:
        self._chosen_path = path
        self._background(path=path)

    def _background(self, **changes) -> None:
        spec = replace(self.settings.background, **changes)
        self._edit(background=spec)
        self._show_settings(self.settings)

    def _refresh_thumbnail(self, spec: BackgroundSpec) -> None:
        if spec == self._thumb_key:
            return
        self._thumb_key = spec

        def done(rgb) -> None:
            if spec == self._thumb_key:
                self.thumbnail.setPixmap(QPixmap.fromImage(rgb_to_qimage(rgb)))

        def failed(message: str) -> None:
            if spec == self._thumb_key:
                self.thumbnail.setText(message)

        run_in_pool(lambda: background_still(spec, THUMB_W, THUMB_H), done, failed)
