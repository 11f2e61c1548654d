"""Small reusable controls: a colour button and a slider with its value."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QColorDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QToolButton,
    QWidget,
)

from app.base.setting_spec import SettingSpec, spec_of
from app.base.style import RGB, format_color


def swatch_icon(rgb: RGB, size: int = 16) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor(0, 0, 0, 90))
    painter.setBrush(QColor(*rgb))
    painter.drawRoundedRect(1, 1, size - 2, size - 2, 4, 4)
    painter.end()
    return QIcon(pixmap)


# Names a person would use, for the colour button's label (the hex code is in
# its tooltip): the nearest of these by RGB distance.
COLOR_NAMES = (("Black", (0, 0, 0)), ("White", (255, 255, 255)), ("Grey", (128, 128, 128)),
               ("Light grey", (200, 200, 200)), ("Dark grey", (60, 60, 60)),
               ("Red", (220, 40, 40)), ("Orange", (255, 140, 0)), ("Yellow", (250, 220, 40)),
               ("Green", (40, 180, 80)), ("Light green", (140, 230, 140)),
               ("Cyan", (0, 229, 255)), ("Blue", (52, 120, 219)), ("Navy", (20, 30, 100)),
               ("Purple", (150, 80, 200)), ("Pink", (240, 120, 180)),
               ("Brown", (130, 80, 40)))


def color_name(rgb: RGB) -> str:
    """The nearest everyday name for `rgb` ("Cyan", "Orange")."""
    return min(COLOR_NAMES, key=lambda item: sum((a - b) ** 2 for a, b in zip(rgb, item[1])))[0]


class ColorButton(QToolButton):
    """Shows a colour; a click opens the colour picker."""

    color_changed = Signal(tuple)

    def __init__(self, rgb: RGB = (0, 0, 0), tooltip: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setIconSize(QSize(16, 16))
        self._tooltip = tooltip
        self._rgb: RGB = rgb
        self._show()
        self.clicked.connect(self._pick)

    @property
    def rgb(self) -> RGB:
        return self._rgb

    def set_color(self, rgb: RGB, *, notify: bool = False) -> None:
        changed = tuple(rgb) != self._rgb
        self._rgb = tuple(rgb)  # type: ignore[assignment]
        self._show()
        if notify and changed:
            self.color_changed.emit(self._rgb)

    def _show(self) -> None:
        self.setIcon(swatch_icon(self._rgb))
        self.setText(color_name(self._rgb))
        what = self._tooltip or "Colour"
        self.setToolTip(f"{what}: {format_color(self._rgb)}. Click to choose another colour.")

    def _pick(self) -> None:
        chosen = QColorDialog.getColor(QColor(*self._rgb), self, self._tooltip or "Colour")
        if chosen.isValid():
            self.set_color((chosen.red(), chosen.green(), chosen.blue()), notify=True)


class ValueSlider(QWidget):
    """A horizontal slider over [minimum, maximum] in `step`s with its value
    shown beside it; `value_changed` carries the float value."""

    value_changed = Signal(float)

    def __init__(self, minimum: float, maximum: float, step: float, fmt: str = "{:.1f}",
                 tooltip: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._min, self._step, self._fmt = minimum, step, fmt
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, round((maximum - minimum) / step))
        self.slider.setToolTip(tooltip)
        self.label = QLabel()
        self.label.setMinimumWidth(38)
        self.label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        self.slider.valueChanged.connect(self._on_slider_moved)
        self._on_slider_moved(self.slider.value(), emit=False)

    @classmethod
    def for_setting(cls, settings_class: type, name: str,
                    parent: QWidget | None = None) -> ValueSlider:
        """The slider of a described setting: its range (or the narrower
        slider range its description allows), step, format and help."""
        spec = spec_of(settings_class, name)
        low, high = spec.slider or (spec.low, spec.high)
        if low is None or high is None or spec.step is None:
            raise ValueError(f"{name}: a slider needs a bounded range and a step")
        return cls(low, high, spec.step, spec.fmt, tooltip_of(spec), parent)

    def value(self) -> float:
        return round(self._min + self.slider.value() * self._step, 6)

    def set_value(self, value: float) -> None:
        """Moves the slider without emitting `value_changed`."""
        self.slider.blockSignals(True)
        self.slider.setValue(round((value - self._min) / self._step))
        self.slider.blockSignals(False)
        self._on_slider_moved(self.slider.value(), emit=False)

    def _on_slider_moved(self, _position: int, emit: bool = True) -> None:
        self.label.setText(self._fmt.format(self.value()))
        if emit:
            self.value_changed.emit(self.value())


def tooltip_of(spec: SettingSpec) -> str:
    """A setting's help as the app's tooltip (a sentence)."""
    return spec.help[:1].upper() + spec.help[1:]


def spin_box_for(settings_class: type, name: str, parent: QWidget | None = None) -> QSpinBox:
    """The whole-number box of a described setting: its range and help."""
    spec = spec_of(settings_class, name)
    box = QSpinBox(parent)
    box.setRange(int(spec.low if spec.low is not None else 0),
                 int(spec.high if spec.high is not None else 2**31 - 1))
    box.setSingleStep(int(spec.step or 1))
    box.setToolTip(tooltip_of(spec))
    return box


def form_group(title: str) -> tuple[QGroupBox, QFormLayout]:
    box = QGroupBox(title)
    form = QFormLayout(box)
    form.setContentsMargins(0, 4, 0, 0)
    form.setHorizontalSpacing(12)
    form.setVerticalSpacing(8)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return box, form


def path_row(field: QLineEdit, on_browse: Callable[[], None]) -> tuple[QHBoxLayout, QPushButton]:
    """A path field with its "Browse..." button beside it."""
    browse = QPushButton("Browse\u2026")
    browse.clicked.connect(on_browse)
    row = QHBoxLayout()
    row.addWidget(field, 1)
    row.addWidget(browse)
    return row, browse
