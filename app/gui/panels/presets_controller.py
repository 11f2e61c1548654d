"""Named presets (a saved look: style, background, people options): the
combo box above the side panel and the Presets menu's save and delete."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QInputDialog, QWidget

from app.gui.shell.settings_store import SettingsStore
from app.studio.app_state import AppState

PLACEHOLDER = "Presets\u2026"


class PresetsController:
    """Thread: GUI. `tell(text)` shows a short note (the status bar);
    `show_error(title, message)` a dialog."""

    def __init__(self, state: AppState, store: SettingsStore, parent: QWidget,
                 tell: Callable[[str], None], show_error: Callable[[str, str], object]) -> None:
        self.state, self.store, self.parent = state, store, parent
        self.tell, self.show_error = tell, show_error
        self.combo = QComboBox()
        self.combo.setToolTip("Load a saved look (style, background, people options)")
        self.combo.activated.connect(self._on_chosen)
        self.refresh()

    def names(self) -> list[str]:
        return self.store.preset_names()

    def refresh(self) -> None:
        self.combo.clear()
        self.combo.addItem(PLACEHOLDER, None)
        for name in self.names():
            self.combo.addItem(name, name)

    def load(self, name: str) -> None:
        try:
            self.state.replace(self.store.load_preset(name, self.state.settings))
        except (OSError, ValueError) as exc:
            self.show_error("Preset not loaded", f"{name}: {exc}")
            return
        self.tell(f"Preset \u201c{name}\u201d loaded.")

    def save(self, name: str) -> None:
        try:
            self.store.save_preset(name, self.state.settings)
        except Exception as exc:  # noqa: BLE001 - disk problems become a message
            from app.engine.messages import describe_error
            self.show_error("Preset not saved", describe_error(exc))
            return
        self.refresh()
        self.tell(f"Preset \u201c{name}\u201d saved.")

    def save_dialog(self) -> None:
        name, ok = QInputDialog.getText(self.parent, "Save preset", "Name of this look:")
        if ok and name.strip():
            self.save(name.strip())

    def delete(self, name: str) -> None:
        self.store.delete_preset(name)
        self.refresh()

    def _on_chosen(self, index: int) -> None:
        name = self.combo.itemData(index)
        if name:
            self.load(name)
        self.combo.setCurrentIndex(0)
