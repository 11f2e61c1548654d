"""The preview area: the skeleton picture (what is exported) and, on demand,
the raw camera picture beside it for framing (shown only, never saved)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QWidget


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    """A QImage that owns a copy of the pixels (the array may be reused)."""
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class PreviewCanvas(QWidget):
    """Paints one picture scaled to fit, centred; a click on the picture
    emits `image_clicked` with normalised image coordinates (0..1)."""

    image_clicked = Signal(float, float)

    def __init__(self, caption: str, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = caption
        self.placeholder = placeholder
        self.overlay = ""  # a message drawn over the picture (source lost...)
        self.backdrop = QColor("#0d0e10")
        self._image: QImage | None = None
        self.frames_shown = 0
        self.setMinimumSize(240, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    @property
    def image(self) -> QImage | None:
        return self._image

    def set_backdrop(self, color: QColor) -> None:
        """The colour around the picture (follows the theme)."""
        self.backdrop = QColor(color)
        self.update()

    def set_image(self, rgb: np.ndarray | None) -> None:
        self._image = None if rgb is None else rgb_to_qimage(rgb)
        if rgb is not None:
            self.frames_shown += 1
        self.update()

    def set_overlay(self, text: str) -> None:
        self.overlay = text
        self.update()

    def image_rect(self) -> QRectF:
        """Where the picture is drawn, in widget coordinates."""
        if self._image is None or self._image.isNull():
            return QRectF()
        area = QRectF(self.rect()).adjusted(8, 8, -8, -8)
        scale = min(area.width() / self._image.width(), area.height() / self._image.height())
        w, h = self._image.width() * scale, self._image.height() * scale
        return QRectF(area.center().x() - w / 2, area.center().y() - h / 2, w, h)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.fillRect(self.rect(), self.palette().window())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.backdrop)
        painter.drawRoundedRect(QRectF(self.rect()), 10, 10)
        if self._image is None:
            self._paint_placeholder(painter)
        else:
            painter.drawImage(self.image_rect(), self._image)
        self._paint_caption(painter)
        if self.overlay:
            self._paint_overlay(painter)
        painter.end()

    def _paint_placeholder(self, painter: QPainter) -> None:
        from app.gui.icons import paint_skeleton_glyph
        r = QRectF(self.rect())
        side = min(r.width(), r.height()) * 0.28
        glyph = QRectF(r.center().x() - side / 2, r.center().y() - side * 0.8, side, side)
        paint_skeleton_glyph(painter, glyph, QColor(255, 255, 255, 60))
        painter.setPen(QColor(255, 255, 255, 150))
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.1)
        painter.setFont(font)
        text_rect = QRectF(r.left() + 20, glyph.bottom() + 12, r.width() - 40, 60)
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap,
                         self.placeholder)

    def _paint_caption(self, painter: QPainter) -> None:
        if not self.caption:
            return
        metrics = painter.fontMetrics()
        w = metrics.horizontalAdvance(self.caption) + 16
        box = QRectF(16, 16, w, metrics.height() + 8)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 150))
        painter.drawRoundedRect(box, 6, 6)
        painter.setPen(QColor(255, 255, 255, 220))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self.caption)

    def _paint_overlay(self, painter: QPainter) -> None:
        r = QRectF(self.rect())
        box = QRectF(r.left() + 24, r.center().y() - 30, r.width() - 48, 60)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(20, 20, 24, 210))
        painter.drawRoundedRect(box, 8, 8)
        painter.setPen(QColor("#ffcc66"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.overlay)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        rect = self.image_rect()
        pos: QPointF = event.position()
        if event.button() == Qt.MouseButton.LeftButton and rect.contains(pos):
            self.image_clicked.emit((pos.x() - rect.left()) / rect.width(),
                                    (pos.y() - rect.top()) / rect.height())
        super().mousePressEvent(event)


class PreviewPanel(QWidget):
    """The skeleton canvas, and the raw canvas beside it when framing."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.skeleton = PreviewCanvas(
            "Skeleton", "Choose a camera or a video file and press Start to see the "
            "skeleton live.\nDrop videos here to convert them.")
        self.skeleton.setToolTip("Skeleton preview: this is what is recorded and exported. "
                                 "Click a person to leave them out.")
        self.skeleton.setCursor(Qt.CursorShape.PointingHandCursor)
        self.raw = PreviewCanvas("Camera (framing only, never saved)", "No picture yet.")
        self.raw.setVisible(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.skeleton, 1)
        layout.addWidget(self.raw, 1)

    def set_raw_kind(self, kind: str) -> None:
        """Names the raw view for what it shows: a video file or a camera."""
        what = "Original picture" if kind == "file" else "Camera"
        self.raw.caption = f"{what} (framing only, never saved)"
        self.raw.update()

    def set_show_raw(self, show: bool) -> None:
        self.raw.setVisible(show)
        if not show:
            self.raw.set_image(None)  # nothing of the camera lingers in memory

    def clear(self) -> None:
        self.skeleton.set_image(None)
        self.raw.set_image(None)
        self.skeleton.set_overlay("")
