"""Base of the side panels: each shows part of the app's state (AppState,
app/studio/app_state.py) and changes it through the state's methods."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

from app.studio.app_state import AppState
from app.studio.studio_settings import StudioSettings


class SettingsPanel(QScrollArea):
    """Thread: GUI. Subclasses build widgets in `_build(layout)` and show
    values in `_show(settings)`; `_edit(**changes)` changes the state."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._loading = False
        self.setWidgetResizable(True)
        # Panels scroll down, never sideways: their controls wrap or shrink.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(12, 4, 12, 12)
        layout.setSpacing(6)
        self._build(layout)
        layout.addStretch(1)
        self.setWidget(body)
        self._show_settings(state.settings)
        state.observe(self._on_state_changed)

    @property
    def settings(self) -> StudioSettings:
        return self.state.settings

    def _on_state_changed(self, settings: StudioSettings, _changed, origin) -> None:
        if origin is not self:  # the user is still at this panel's controls
            self._show_settings(settings)

    def _show_settings(self, settings: StudioSettings) -> None:
        """Shows `settings` without reporting them back as edits."""
        self._loading = True
        try:
            self._show(settings)
        finally:
            self._loading = False

    def _edit(self, **changes) -> None:
        if self._loading:
            return
        self.state.edit(origin=self, **changes)

    def _build(self, layout: QVBoxLayout) -> None:
        raise NotImplementedError

    def _show(self, settings: StudioSettings) -> None:
        raise NotImplementedError
