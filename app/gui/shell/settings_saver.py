"""Saving the app's settings for the next start: the settings a moment after
each change (debounced, so dragging a slider writes once), and the window's
size, layout and splitter when it closes."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QObject, QTimer
from PySide6.QtWidgets import QMainWindow, QSplitter

from app.gui.shell.settings_store import SettingsStore
from app.studio.app_state import AppState

SAVE_DELAY_MS = 400
SPLITTER_KEY = "window/splitter"


class SettingsSaver(QObject):
    """Thread: GUI."""

    def __init__(self, state: AppState, store: SettingsStore, window: QMainWindow,
                 splitter: QSplitter) -> None:
        super().__init__(window)
        self.state, self.store, self.window, self.splitter = state, store, window, splitter
        self.timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self.timer.timeout.connect(self.save_now)
        state.observe(lambda *_args: self.timer.start())

    def save_now(self) -> None:
        self.store.save(self.state.settings)

    def restore_window(self) -> None:
        geometry, layout = self.store.window_state()
        if isinstance(geometry, QByteArray):
            self.window.restoreGeometry(geometry)
        if isinstance(layout, QByteArray):
            self.window.restoreState(layout)
        sizes = self.store.value(SPLITTER_KEY)
        if isinstance(sizes, QByteArray):
            self.splitter.restoreState(sizes)

    def save_on_close(self) -> None:
        """Everything, now (the window is closing)."""
        self.timer.stop()
        self.store.set_value(SPLITTER_KEY, self.splitter.saveState())
        self.store.save_window_state(self.window.saveGeometry(), self.window.saveState())
        self.save_now()
