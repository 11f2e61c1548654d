"""Where the app keeps its settings: QSettings for the last session and the
window layout, JSON files for named presets.

Tests and tools pass their own ini file (or set POSECLOAK_SETTINGS) so they
never touch the user's real settings.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from app.studio.studio_settings import PRESET_KEYS, StudioSettings, from_dict, to_dict

ORGANIZATION = "PoseCloak"
APPLICATION = "PoseCloak"
ENV_SETTINGS = "POSECLOAK_SETTINGS"
_KEY_SETTINGS = "session/settings"


def _preset_file_name(name: str) -> str:
    slug = re.sub(r"[^\w\- ]+", "_", name.strip()).strip() or "preset"
    return f"{slug[:80]}.json"


class SettingsStore:
    """Thread: GUI."""

    def __init__(self, path: Path | str | None = None) -> None:
        path = path or os.environ.get(ENV_SETTINGS)
        if path:
            self._qs = QSettings(str(path), QSettings.Format.IniFormat)
        else:
            self._qs = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                                 ORGANIZATION, APPLICATION)
        self.presets_dir = Path(self._qs.fileName()).parent / "presets"

    @property
    def file_name(self) -> str:
        return self._qs.fileName()

    # last session -------------------------------------------------------------
    def is_first_run(self) -> bool:
        """Whether no session was saved yet (the app has not run here before)."""
        return not self._qs.contains(_KEY_SETTINGS)

    def load(self) -> StudioSettings:
        text = self._qs.value(_KEY_SETTINGS, "")
        try:
            data = json.loads(text) if text else {}
        except (TypeError, ValueError):
            data = {}
        # Person IDs belong to one video or session: exclusions never carry over.
        settings = from_dict(data)
        return settings.edited(people=replace(settings.people, exclude_ids=frozenset()))

    def save(self, settings: StudioSettings) -> None:
        self._qs.setValue(_KEY_SETTINGS, json.dumps(to_dict(settings)))
        self._qs.sync()

    def value(self, key: str, default=None):
        return self._qs.value(key, default)

    def set_value(self, key: str, value) -> None:
        self._qs.setValue(key, value)

    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        return self._qs.value("window/geometry"), self._qs.value("window/state")

    def save_window_state(self, geometry: QByteArray, state: QByteArray) -> None:
        self._qs.setValue("window/geometry", geometry)
        self._qs.setValue("window/state", state)
        self._qs.sync()

    # presets ------------------------------------------------------------------
    def preset_names(self) -> list[str]:
        names = []
        for path in sorted(self.presets_dir.glob("*.json")):
            try:
                names.append(json.loads(path.read_text("utf-8"))["name"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return sorted(names, key=str.lower)

    def save_preset(self, name: str, settings: StudioSettings) -> Path:
        """Writes the look part of `settings` (style, background, people)."""
        from app.base.files import write_bytes_atomic
        self.presets_dir.mkdir(parents=True, exist_ok=True)
        path = self.presets_dir / _preset_file_name(name)
        look = to_dict(settings, PRESET_KEYS)
        look["skeleton"]["people"].pop("exclude_ids", None)  # IDs belong to one session
        data = {"name": name.strip(), "settings": look}
        write_bytes_atomic(path, json.dumps(data, indent=2).encode("utf-8"))
        return path

    def load_preset(self, name: str, base: StudioSettings) -> StudioSettings:
        path = self.presets_dir / _preset_file_name(name)
        data = json.loads(path.read_text("utf-8"))
        return from_dict(data.get("settings", {}), base)

    def delete_preset(self, name: str) -> None:
        (self.presets_dir / _preset_file_name(name)).unlink(missing_ok=True)
