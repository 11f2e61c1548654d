"""The app's skeleton glyph, drawn with QPainter: the window icon, the
placeholder in an empty preview, and the icon files in resources/icons/
(`python -m app.gui.icons` writes them)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QIcon,
    QImage,
    QLinearGradient,
    QPainter,
    QPen,
    QPixmap,
)

ICON_DIR = Path(__file__).resolve().parents[2] / "resources" / "icons"

# A waving figure in unit coordinates.
_JOINTS = {
    "ls": (0.33, 0.34), "rs": (0.67, 0.34), "le": (0.22, 0.51), "lw": (0.17, 0.68),
    "re": (0.80, 0.23), "rw": (0.87, 0.07), "lh": (0.39, 0.62), "rh": (0.61, 0.62),
    "lk": (0.35, 0.80), "rk": (0.67, 0.79), "la": (0.31, 0.96), "ra": (0.73, 0.96),
}
_BONES = (("ls", "rs"), ("ls", "le"), ("le", "lw"), ("rs", "re"), ("re", "rw"),
          ("ls", "lh"), ("rs", "rh"), ("lh", "rh"), ("lh", "lk"), ("lk", "la"),
          ("rh", "rk"), ("rk", "ra"))
_HEAD = ((0.5, 0.17), 0.085)


def paint_skeleton_glyph(painter: QPainter, rect: QRectF, color: QColor,
                         joint_color: QColor | None = None) -> None:
    def at(x: float, y: float) -> QPointF:
        return QPointF(rect.left() + x * rect.width(), rect.top() + y * rect.height())

    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    width = max(1.5, rect.width() * 0.055)
    pen = QPen(color, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
               Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    for a, b in _BONES:
        painter.drawLine(at(*_JOINTS[a]), at(*_JOINTS[b]))
    (hx, hy), hr = _HEAD
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawEllipse(at(hx, hy), hr * rect.width(), hr * rect.height())
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(joint_color or color)
    radius = width * 0.75
    for x, y in _JOINTS.values():
        painter.drawEllipse(at(x, y), radius, radius)
    painter.restore()


def render_app_icon(size: int) -> QImage:
    """The app icon: a cyan skeleton on a dark rounded tile."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    tile = QRectF(0, 0, size, size).adjusted(size * 0.04, size * 0.04, -size * 0.04, -size * 0.04)
    gradient = QLinearGradient(tile.topLeft(), tile.bottomRight())
    gradient.setColorAt(0.0, QColor("#1f2a33"))
    gradient.setColorAt(1.0, QColor("#0c0f13"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(gradient)
    painter.drawRoundedRect(tile, size * 0.2, size * 0.2)
    inner = tile.adjusted(tile.width() * 0.2, tile.height() * 0.14,
                          -tile.width() * 0.2, -tile.height() * 0.14)
    paint_skeleton_glyph(painter, inner, QColor("#00e5ff"), QColor("#ffffff"))
    painter.end()
    return image


def app_icon() -> QIcon:
    icon = QIcon()
    png = ICON_DIR / "posecloak.png"
    if png.is_file():
        icon.addFile(str(png))
    for size in (16, 24, 32, 48, 64, 128):
        icon.addPixmap(QPixmap.fromImage(render_app_icon(size)))
    return icon


def write_icon_files(folder: Path = ICON_DIR) -> list[Path]:
    """posecloak.png (256x256), posecloak.ico (16..256) and PNGs per size."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    png = folder / "posecloak.png"
    render_app_icon(256).save(str(png), "PNG")
    written.append(png)
    ico = folder / "posecloak.ico"
    # Qt's ICO writer stores one image; 256 px is what Windows scales from.
    render_app_icon(256).save(str(ico), "ICO")
    written.append(ico)
    for size in (16, 32, 48, 128, 512):
        path = folder / f"posecloak-{size}.png"
        render_app_icon(size).save(str(path), "PNG")
        written.append(path)
    return written


if __name__ == "__main__":
    from PySide6.QtGui import QGuiApplication
    _app = QGuiApplication(sys.argv)
    for p in write_icon_files():
        print(p)
