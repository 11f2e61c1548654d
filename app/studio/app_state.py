"""The app's state, Qt-free: the one StudioSettings value, which panels
change through `edit` and follow through `observe`. The window is one
observer among them (it passes the settings on to the live preview and
saves them); nothing reaches into a panel to set its values.

Thread: the GUI thread only (observers run synchronously in `edit`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from app.studio.studio_settings import StudioSettings

# (new settings, the fields that changed, who changed them or None)
Observer = Callable[[StudioSettings, frozenset[str], object], None]
EVERYTHING = frozenset({"*"})


class AppState:
    def __init__(self, settings: StudioSettings) -> None:
        self._settings = settings
        self._observers: list[Observer] = []

    @property
    def settings(self) -> StudioSettings:
        return self._settings

    def observe(self, observer: Observer) -> None:
        self._observers.append(observer)

    def edit(self, origin: object = None, **changes: Any) -> None:
        """Changes fields (skeleton fields go into the skeleton settings);
        `origin` (the editing panel) is told too, so it can skip re-showing
        what the user is still editing."""
        self._set(self._settings.edited(**changes), frozenset(changes), origin)

    def replace(self, settings: StudioSettings) -> None:
        """All settings at once (a preset, a loaded file)."""
        self._set(settings, EVERYTHING, None)

    def exclude_person(self, person_id: int) -> None:
        people = self._settings.people
        self.edit(people=replace(people, exclude_ids=people.exclude_ids | {person_id}))

    def clear_exclusions(self) -> None:
        self.edit(people=replace(self._settings.people, exclude_ids=frozenset()))

    def _set(self, settings: StudioSettings, changed: frozenset[str], origin: object) -> None:
        if settings == self._settings:
            return
        self._settings = settings
        for observer in list(self._observers):
            observer(settings, changed, origin)
