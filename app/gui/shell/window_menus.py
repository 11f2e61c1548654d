"""The main window's menu bar: File, Live, Presets, View, Settings, Help.

Each item calls a public method of the window or of one of its parts; the
menus hold no state of their own but the Offline toggle, which follows the
settings (`WindowMenus.show_settings`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu

from app.gui.shell.theme import THEME_MODES
from app.studio.studio_settings import StudioSettings

if TYPE_CHECKING:
    from app.gui.shell.main_window import MainWindow


def add_action(menu: QMenu, text: str, shortcut, slot: Callable[[], object]) -> QAction:
    action = menu.addAction(text)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(lambda _checked=False: slot())
    return action


class WindowMenus:
    """Builds the menus of `window`. Thread: GUI."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        bar = window.menuBar()
        w = window
        file = bar.addMenu("&File")
        add_action(file, "&Open files to convert\u2026", QKeySequence.StandardKey.Open,
                   w.export_actions.open_files)
        add_action(file, "Choose &output folder\u2026", None, w.export_panel.choose_output_folder)
        add_action(file, "Choose pose &model file\u2026", None, w.model.choose_file)
        file.addSeparator()
        add_action(file, "&Quit", QKeySequence.StandardKey.Quit, w.close)

        live = bar.addMenu("&Live")
        bar_ = w.live.source_bar
        add_action(live, "&Start / stop", "Ctrl+L", w.toggle_live)
        add_action(live, "&Pause / resume", "Space", bar_.toggle_pause)
        add_action(live, "&Record", "Ctrl+R", bar_.toggle_record)
        add_action(live, "Show the original &picture", "Ctrl+K", bar_.toggle_show_raw)
        add_action(live, "Refresh camera list", "F5", w.refresh_cameras)
        live.addSeparator()
        add_action(live, "Show everyone again (clear left-out people)", "Ctrl+Shift+X",
                   w.clear_exclusions)

        presets = bar.addMenu("&Presets")
        add_action(presets, "&Save current look as\u2026", "Ctrl+Shift+S", w.presets_ctl.save_dialog)
        self.delete_preset_menu = presets.addMenu("&Delete")
        self.delete_preset_menu.aboutToShow.connect(self._fill_delete_menu)

        view = bar.addMenu("&View")
        for i in range(w.side_tabs.count()):
            add_action(view, f"{w.side_tabs.tabText(i)} settings", f"Ctrl+{i + 1}",
                       lambda i=i: w.side_tabs.setCurrentIndex(i))
        add_action(view, "Queue", "Ctrl+5", lambda: w.bottom.show_queue())
        add_action(view, "Plots", "Ctrl+6", lambda: w.bottom.show_plots())
        add_action(view, "Analysis", "Ctrl+7", lambda: w.bottom.show_analysis())
        view.addSeparator()
        theme_menu = view.addMenu("&Theme")
        group = QActionGroup(window)
        for mode in THEME_MODES:
            action = theme_menu.addAction(mode.capitalize(), lambda m=mode: w.set_theme(m))
            action.setCheckable(True)
            action.setChecked(w.settings.theme == mode)
            group.addAction(action)

        settings = bar.addMenu("&Settings")
        self.offline_action = settings.addAction("&Offline (never download the model)")
        self.offline_action.setCheckable(True)
        self.offline_action.setChecked(w.settings.offline)
        self.offline_action.toggled.connect(lambda on: w.state.edit(offline=on))

        help_menu = bar.addMenu("&Help")
        add_action(help_menu, "&Getting started", QKeySequence.StandardKey.HelpContents,
                   w.show_guide)
        add_action(help_menu, "&Privacy guarantee", None, w.show_privacy)
        help_menu.addSeparator()
        add_action(help_menu, "&About PoseCloak", None, w.show_about)

    def show_settings(self, settings: StudioSettings) -> None:
        self.offline_action.setChecked(settings.offline)

    def _fill_delete_menu(self) -> None:
        menu, presets = self.delete_preset_menu, self.window.presets_ctl
        menu.clear()
        for name in presets.names():
            menu.addAction(name, lambda n=name: presets.delete(n))
        if menu.isEmpty():
            menu.addAction("No presets").setEnabled(False)
