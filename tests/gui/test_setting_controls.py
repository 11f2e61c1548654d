"""The app's controls have the ranges, steps and tooltips of the settings
they edit (app/base/setting_spec.py), so the app and the CLI accept the same
values; the one narrower slider is in the description and in README.md."""

from __future__ import annotations

from pathlib import Path

from app.base.setting_spec import spec_of
from app.base.settings import DEVICES, DetectionSettings, PeopleSettings
from app.base.style import RenderStyle
from app.gui.panels.export_panel import ExportPanel
from app.gui.panels.people_panel import PeoplePanel
from app.gui.panels.style_panel import StylePanel
from app.gui.panels.widgets import tooltip_of
from app.studio.app_state import AppState
from app.studio.studio_settings import StudioSettings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _sliders(style: StylePanel, people: PeoplePanel):
    return ((style.thickness, RenderStyle, "thickness"),
            (style.radius, RenderStyle, "joint_radius"),
            (style.opacity, RenderStyle, "opacity"),
            (style.confidence, RenderStyle, "min_confidence"),
            (people.smoothing, PeopleSettings, "smoothing"))


def test_each_control_has_its_settings_range_step_and_help(qtbot):
    state = AppState(StudioSettings())
    style, people, export = StylePanel(state), PeoplePanel(state), ExportPanel(state)
    for panel in (style, people, export):
        qtbot.addWidget(panel)
    for control, cls, name in _sliders(style, people):
        spec = spec_of(cls, name)
        slider = control.slider
        slider.setValue(slider.minimum())
        low = control.value()
        slider.setValue(slider.minimum() + 1)
        step = round(control.value() - low, 6)
        slider.setValue(slider.maximum())
        high = control.value()
        assert step == spec.step, name
        if spec.slider is None:
            assert (low, high) == (spec.low, spec.high), name
        else:  # narrower for comfort, where the description and README say so
            assert (low, high) == spec.slider, name
            assert f"{spec.title} slider starts at {spec.slider[0]:g}" in README, name
        assert slider.toolTip() == tooltip_of(spec), name
    spec = spec_of(DetectionSettings, "max_people")
    assert (people.max_people.minimum(), people.max_people.maximum()) == (spec.low, spec.high)
    assert people.max_people.toolTip() == tooltip_of(spec)
    devices = tuple(export.device.itemData(i) for i in range(export.device.count()))
    assert devices == DEVICES == spec_of(DetectionSettings, "device").choices


def test_a_slider_at_either_end_sets_a_valid_setting(qtbot):
    state = AppState(StudioSettings())
    style, people = StylePanel(state), PeoplePanel(state)
    qtbot.addWidget(style)
    qtbot.addWidget(people)
    for control, cls, name in _sliders(style, people):
        for end in (control.slider.minimum(), control.slider.maximum()):
            control.slider.setValue(end)
            section = state.settings.style if cls is RenderStyle else state.settings.people
            assert getattr(section, name) == control.value(), name
