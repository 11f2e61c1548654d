"""People controls: how many, distant people, smoothing, main subject only,
colour by person, IDs, and the people left out by a click in the preview."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from app.base.setting_spec import spec_of
from app.base.settings import DetectionSettings, PeopleSettings
from app.base.style import RenderStyle
from app.gui.panels.settings_panel import SettingsPanel
from app.gui.panels.widgets import ValueSlider, form_group, spin_box_for, tooltip_of
from app.pose.tiles import AUTO_SMALL_RULE
from app.studio.studio_settings import StudioSettings

# One line: what the standard body does, and what it leaves alone.
STANDARD_BODY_HINT = ("Everyone is drawn and exported on one template body, so height and "
                      "proportions identify nobody; angles, activity and falls are measured "
                      "on the real body.")


class PeoplePanel(SettingsPanel):

    def _build(self, layout: QVBoxLayout) -> None:
        box, form = form_group("Detection")
        self.max_people = spin_box_for(DetectionSettings, "max_people")
        form.addRow("Max people", self.max_people)
        self.tiles = QCheckBox("Find distant people (slower)")
        self.tiles.setToolTip("Also search enlarged tiles of the frame, for small people far "
                              f"from the camera; {AUTO_SMALL_RULE}")
        form.addRow(self.tiles)
        self.only_largest = QCheckBox("Main subject only")
        self.only_largest.setToolTip(tooltip_of(spec_of(PeopleSettings, "only_largest")))
        form.addRow(self.only_largest)
        layout.addWidget(box)

        box, form = form_group("Smoothing")
        # One value for the preview, recordings and exports, so an export
        # moves exactly as steadily as the preview did.
        self.smoothing = ValueSlider.for_setting(PeopleSettings, "smoothing")
        form.addRow("Steadiness", self.smoothing)
        layout.addWidget(box)

        box, form = form_group("Identity")
        self.color_by_person = QCheckBox("Colour by person")
        self.color_by_person.setToolTip(tooltip_of(spec_of(RenderStyle, "color_by_person")))
        self.show_ids = QCheckBox("Show person IDs")
        self.show_ids.setToolTip("Write each person's ID above them (in exports too)")
        form.addRow(self.color_by_person)
        form.addRow(self.show_ids)
        self.standard_body = QCheckBox("Standard body")
        self.standard_body.setToolTip(STANDARD_BODY_HINT)
        form.addRow(self.standard_body)
        hint = QLabel(STANDARD_BODY_HINT)
        hint.setObjectName("Muted")
        hint.setWordWrap(True)
        form.addRow(hint)
        layout.addWidget(box)

        box, form = form_group("Left out")
        self.excluded = QLabel()
        self.excluded.setObjectName("Muted")
        self.excluded.setWordWrap(True)
        self.clear = QPushButton("Clear")
        self.clear.setToolTip("Show everyone again (Ctrl+Shift+X)")
        self.clear.clicked.connect(self.state.clear_exclusions)
        row = QHBoxLayout()
        row.addWidget(self.excluded, 1)
        row.addWidget(self.clear)
        form.addRow(row)
        layout.addWidget(box)

        self.max_people.valueChanged.connect(self._on_max_people)
        self.tiles.toggled.connect(self._on_tiles)
        self.only_largest.toggled.connect(lambda on: self._people(only_largest=on))
        self.smoothing.value_changed.connect(lambda v: self._people(smoothing=v))
        self.color_by_person.toggled.connect(
            lambda on: self._edit(style=replace(self.settings.style, color_by_person=on)))
        self.show_ids.toggled.connect(
            lambda on: self._edit(style=replace(self.settings.style, show_ids=on)))
        self.standard_body.toggled.connect(lambda on: self._people(standard_body=on))

    def _show(self, settings: StudioSettings) -> None:
        self.max_people.setValue(settings.detection.people_limit)
        self.tiles.setChecked(settings.detection.tiles is not None)
        self.only_largest.setChecked(settings.people.only_largest)
        self.smoothing.set_value(settings.people.smoothing)
        self.color_by_person.setChecked(settings.style.color_by_person)
        self.show_ids.setChecked(settings.style.show_ids)
        self.standard_body.setChecked(settings.people.standard_body)
        ids = sorted(settings.people.exclude_ids)
        self.excluded.setText(", ".join(f"#{i}" for i in ids) if ids else
                              "Nobody. Click a person in the preview to hide them.")
        self.clear.setEnabled(bool(ids))
        self.excluded.setToolTip("Hidden people are left out of the preview, recordings, "
                                 "exports and keypoints.")

    def _on_max_people(self, n: int) -> None:
        detection = self.settings.detection
        default = replace(detection, max_people=None).people_limit
        # The mode's default stays "default" (None), so it follows the mode.
        self._edit(detection=replace(detection, max_people=None if n == default else n))

    def _on_tiles(self, on: bool) -> None:
        """Distant people on or off. Max people follows the mode's default
        (4, or 16 with tiles, as in the CLI) unless the user set another
        number; the box shows the number in use."""
        detection = self.settings.detection
        follows_default = detection.max_people in (None, replace(
            detection, max_people=None).people_limit)
        self._edit(detection=replace(detection, tiles="auto" if on else None,
                                     max_people=None if follows_default
                                     else detection.max_people))
        self._show_settings(self.settings)

    def _people(self, **changes) -> None:
        self._edit(people=replace(self.settings.people, **changes))
