"""Base of the side panels: each shows part of StudioSettings and reports
edits as field changes, which the window applies to the one settings value."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

from app.base.studio_settings import StudioSettings


class SettingsPanel(QScrollArea):
    """Thread: GUI. Subclasses build widgets in `_build(layout)` and show
    values in `_show(settings)`; `_edit(**changes)` reports an edit."""

    changed = Signal(dict)  # StudioSettings field -> new value

    def __init__(self, settings: StudioSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._loading = False
        self.setWidgetResizable(True)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(12, 4, 12, 12)
        layout.setSpacing(6)
        self._build(layout)
        layout.addStretch(1)
        self.setWidget(body)
        self.set_settings(settings)

    def set_settings(self, settings: StudioSettings) -> None:
        """Shows `settings` without reporting them back as edits."""
        self.settings = settings
        self._loading = True
        try:
            self._show(settings)
        finally:
            self._loading = False

    def _edit(self, **changes) -> None:
        if self._loading:
            return
        self.settings = self.settings.edited(**changes)
        self.changed.emit(changes)

    def _build(self, layout: QVBoxLayout) -> None:
        raise NotImplementedError

    def _show(self, settings: StudioSettings) -> None:
        raise NotImplementedError
