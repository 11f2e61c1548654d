"""Skeleton style controls: colours, sizes, opacity, confidence, toggles."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import QCheckBox, QVBoxLayout

from app.base.setting_spec import spec_of
from app.base.style import RenderStyle
from app.gui.panels.settings_panel import SettingsPanel
from app.gui.panels.widgets import ColorButton, ValueSlider, form_group, tooltip_of
from app.studio.studio_settings import StudioSettings


class StylePanel(SettingsPanel):
    def _build(self, layout: QVBoxLayout) -> None:
        box, form = form_group("Colours")
        self.color = ColorButton(tooltip="Skeleton colour")
        self.sided = QCheckBox("Colour body sides separately")
        self.sided.setToolTip("Left, right and centre parts get their own colours")
        self.left = ColorButton(tooltip="Left side colour")
        self.right = ColorButton(tooltip="Right side colour")
        self.center = ColorButton(tooltip="Centre (torso, face) colour")
        form.addRow("Skeleton", self.color)
        form.addRow(self.sided)
        form.addRow("Left", self.left)
        form.addRow("Right", self.right)
        form.addRow("Centre", self.center)
        self._side_rows = [self.left, self.right, self.center]
        self._form = form
        layout.addWidget(box)

        box, form = form_group("Lines and joints")
        self.thickness = ValueSlider.for_setting(RenderStyle, "thickness")
        self.radius = ValueSlider.for_setting(RenderStyle, "joint_radius")
        self.opacity = ValueSlider.for_setting(RenderStyle, "opacity")
        self.confidence = ValueSlider.for_setting(RenderStyle, "min_confidence")
        form.addRow("Thickness", self.thickness)
        form.addRow("Joint radius", self.radius)
        form.addRow("Opacity", self.opacity)
        form.addRow("Hide unsure points", self.confidence)
        layout.addWidget(box)

        box, form = form_group("Details")
        self.face = QCheckBox("Face points")
        self.face.setToolTip(tooltip_of(spec_of(RenderStyle, "show_face")))
        self.antialias = QCheckBox("Smooth edges")
        self.antialias.setToolTip(tooltip_of(spec_of(RenderStyle, "antialias")))
        form.addRow(self.face)
        form.addRow(self.antialias)
        layout.addWidget(box)

        for button, name in ((self.color, "color"), (self.left, "left_color"),
                             (self.right, "right_color"), (self.center, "center_color")):
            button.color_changed.connect(lambda rgb, n=name: self._style(**{n: rgb}))
        self.sided.toggled.connect(self._on_sided)
        for slider, name in ((self.thickness, "thickness"), (self.radius, "joint_radius"),
                             (self.opacity, "opacity"), (self.confidence, "min_confidence")):
            slider.value_changed.connect(lambda v, n=name: self._style(**{n: v}))
        self.face.toggled.connect(lambda on: self._style(show_face=on))
        self.antialias.toggled.connect(lambda on: self._style(antialias=on))

    def _show(self, settings: StudioSettings) -> None:
        s = settings.style
        self.color.set_color(s.color)
        self.sided.setChecked(s.sided)
        self.left.set_color(s.left_color or (255, 140, 0))
        self.right.set_color(s.right_color or (52, 152, 219))
        self.center.set_color(s.center_color or s.color)
        self._show_side_rows(s.sided)
        self.thickness.set_value(s.thickness)
        self.radius.set_value(s.joint_radius)
        self.opacity.set_value(s.opacity)
        self.confidence.set_value(s.min_confidence)
        self.face.setChecked(s.show_face)
        self.antialias.setChecked(s.antialias)

    def _show_side_rows(self, visible: bool) -> None:
        for widget in self._side_rows:
            self._form.setRowVisible(widget, visible)

    def _on_sided(self, on: bool) -> None:
        self._show_side_rows(on)
        if on:
            self._style(left_color=self.left.rgb, right_color=self.right.rgb,
                        center_color=self.center.rgb)
        else:
            self._style(left_color=None, right_color=None, center_color=None)

    def _style(self, **changes) -> None:
        self._edit(style=replace(self.settings.style, **changes))
