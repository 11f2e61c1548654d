"""The main window: live preview in the centre, settings in a side panel,
the conversion queue and plots below.

The window lays its parts out and wires them; each part does one thing:
the app's state (AppState) holds the one StudioSettings value that panels
change, `ModelController` readies the pose model, `ExportActions` queues
files, `WindowMenus` builds the menus, `PresetsController` the presets,
`SettingsSaver` saves the settings, `StatusBar` the live figures.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QThreadPool, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QVBoxLayout, QWidget

from app.base.text import standard_body_note
from app.engine.live import LiveSettings
from app.gui.exports.export_actions import ExportActions
from app.gui.exports.export_queue import ExportController
from app.gui.exports.queue_view import QueueView
from app.gui.icons import app_icon
from app.gui.live.distant_hint import DistantPeopleAdvisor
from app.gui.live.live_panel import LivePanel
from app.gui.live.recording_target import record_request
from app.gui.live.status_bar import StatusBar
from app.gui.panels.background_panel import BackgroundPanel
from app.gui.panels.export_panel import ExportPanel
from app.gui.panels.people_panel import PeoplePanel
from app.gui.panels.presets_controller import PresetsController
from app.gui.panels.style_panel import StylePanel
from app.gui.shell.bottom_tabs import BottomTabs
from app.gui.shell.dialogs import OpenDialogs
from app.gui.shell.import_warmup import ImportWarmup
from app.gui.shell.model_controller import ModelController
from app.gui.shell.settings_saver import SettingsSaver
from app.gui.shell.settings_store import SettingsStore
from app.gui.shell.tasks import run_in_pool
from app.gui.shell.theme import ThemeManager
from app.gui.shell.window_layout import side_panel, side_tabs, splitters
from app.gui.shell.window_menus import WindowMenus
from app.studio.app_state import AppState
from app.studio.studio_settings import StudioSettings

FIRST_RUN_NOTE_MS = 15000  # how long a first run's note stays in the status bar


class MainWindow(QMainWindow):
    """Thread: GUI."""

    model_ready = Signal(object)  # Path
    model_failed = Signal(str)

    def __init__(self, store: SettingsStore | None = None, *, model: Path | None = None,
                 theme: ThemeManager | None = None) -> None:
        super().__init__()
        self.store = store or SettingsStore()
        first_run = self.store.is_first_run()
        self.state = AppState(self.store.load())
        self.theme = theme
        self._closing = False
        self.setWindowTitle("PoseCloak")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.resize(1360, 860)

        self.dialogs = OpenDialogs(self)
        self.status = StatusBar(self.statusBar())
        self.live = LivePanel(record_request=lambda: record_request(self.settings,
                                                                    self.show_error))
        self.exports = ExportController(self)
        self.queue = QueueView(self.exports)
        self.bottom = BottomTabs(self.queue, lambda: self.theme.dark if self.theme else None,
                                 self._wire_analysis_view)
        self.style_panel = StylePanel(self.state)
        self.background_panel = BackgroundPanel(self.state)
        self.people_panel = PeoplePanel(self.state)
        self.export_panel = ExportPanel(self.state)
        self.panels = (self.style_panel, self.background_panel, self.people_panel,
                       self.export_panel)
        self.model = ModelController(self.state, self, explicit=model)
        self.presets_ctl = PresetsController(self.state, self.store, self, self.status.tell,
                                             self.show_error)
        self.export_actions = ExportActions(self.state, self.exports, self.bottom, self,
                                            tell=self.status.tell, show_error=self.show_error,
                                            live_running=lambda: self.live.running)
        self.distant_hint = DistantPeopleAdvisor(self.state, self.status.tell)
        self._build_layout()
        self.menus = WindowMenus(self)
        self.saver = SettingsSaver(self.state, self.store, self, self.main_split)
        self._connect()
        self._push_live_settings()
        self.saver.restore_window()
        if theme is not None:
            theme.changed.connect(self._on_theme_changed)
            theme.apply(self.settings.theme)
        # A first run says which body exports get (the default decides it),
        # again once the model is ready (which clears the status bar).
        self.first_run_note = (standard_body_note(self.settings.people.standard_body)
                               if first_run else "")
        if first_run:
            self.status.tell(self.first_run_note, FIRST_RUN_NOTE_MS)
        self.model.resolve()
        self.refresh_cameras()
        # Modules needed later are imported on a helper thread once the event
        # loop runs, then the Plots and Analysis panels are built from them.
        self.import_warmup = ImportWarmup(parent=self)
        self.import_warmup.done.connect(self.bottom.build_panels)
        QTimer.singleShot(0, self, self.import_warmup.start)

    # layout ------------------------------------------------------------------------
    def _build_layout(self) -> None:
        self.side_tabs = side_tabs(self.panels)
        self.top_split, self.main_split = splitters(
            self.live, side_panel(self.presets, self.side_tabs), self.bottom)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(10, 10, 10, 4)
        layout.addWidget(self.main_split)
        self.setCentralWidget(central)

    def _connect(self) -> None:
        self.state.observe(self._on_settings_changed)
        self.model.ready.connect(self._on_model_ready)
        self.model.failed.connect(self._on_model_failed)
        self.model.text_changed.connect(self.export_panel.set_model_text)
        self.export_panel.choose_model_requested.connect(self.model.choose_file)
        self.export_panel.retry_download_requested.connect(self.model.retry_download)
        self.live.frame_shown.connect(self._on_live_frame)
        self.live.status_changed.connect(self.status.show_live)
        self.live.device_noted.connect(self.status.show_device)
        self.live.person_excluded.connect(self.exclude_person)
        self.live.message.connect(self.status.tell)
        self.live.error.connect(self.show_error)
        self.live.running_changed.connect(self._on_live_running)
        self.queue.add_requested.connect(self.open_files)
        self.queue.plot_requested.connect(lambda row: self.plot_keypoints(row.result))
        self.queue.open_failed.connect(lambda message: self.show_error("Cannot open", message))

    def _wire_analysis_view(self, view) -> None:
        view.seek_requested.connect(self.live.play_file_at)
        view.open_failed.connect(lambda message: self.show_error("Cannot open", message))

    # parts, as tests and the menus reach them ------------------------------------
    @property
    def settings(self) -> StudioSettings:
        return self.state.settings

    @property
    def presets(self):
        return self.presets_ctl.combo

    @property
    def plots(self):
        return self.bottom.plots

    @property
    def analysis_view(self):
        return self.bottom.analysis

    @property
    def bottom_tabs(self) -> BottomTabs:
        return self.bottom

    @property
    def status_labels(self) -> dict[str, QLabel]:
        return self.status.labels

    @property
    def offline_action(self):
        return self.menus.offline_action

    @property
    def model_path(self) -> Path | None:
        return self.model.path

    @property
    def error_dialogs(self) -> list[QMessageBox]:
        return self.dialogs.boxes

    # settings ------------------------------------------------------------------------
    def set_settings(self, settings: StudioSettings) -> None:
        self.state.replace(settings)

    def _on_settings_changed(self, settings: StudioSettings, changed, _origin) -> None:
        """The window's part as an observer of the state: the live preview
        and the menu's Offline toggle follow; turning offline off retries."""
        self._push_live_settings()
        if "offline" in changed or "*" in changed:
            self.menus.show_settings(settings)
            if "offline" in changed and self.model.path is None:
                self.model.resolve()

    def _push_live_settings(self) -> None:
        from app.engine.alerts import AlertSettings
        self.live.set_settings(LiveSettings(skeleton=self.settings.live_skeleton(),
                                            show_raw=self.live.settings.show_raw))
        self.live.set_alerts(AlertSettings(command=self.settings.alert_command,
                                           url=self.settings.alert_url))

    def exclude_person(self, person_id: int) -> None:
        self.state.exclude_person(person_id)
        self.status.tell(f"Person #{person_id} is left out of the preview, recordings and "
                         "exports (Ctrl+Shift+X to undo).")

    def clear_exclusions(self) -> None:
        self.state.clear_exclusions()

    def set_theme(self, mode: str) -> None:
        self.state.edit(theme=mode)
        if self.theme is not None:
            self.theme.apply(mode)

    def _on_theme_changed(self, dark: bool) -> None:
        self.bottom.set_dark(dark)
        for canvas in (self.live.preview.skeleton, self.live.preview.raw):
            canvas.set_backdrop(QColor(self.theme.colors().preview))

    # presets (the Presets menu and the combo) -----------------------------------------
    def save_preset(self, name: str) -> None:
        self.presets_ctl.save(name)

    def load_preset(self, name: str) -> None:
        self.presets_ctl.load(name)

    # model ------------------------------------------------------------------------------
    def _on_model_ready(self, path: Path) -> None:
        # The "no pose model" note, if any, is over.
        self.status.tell(self.first_run_note, FIRST_RUN_NOTE_MS if self.first_run_note else 0)
        self.first_run_note = ""
        self.live.model_path = path
        self.exports.set_model(path)
        self.model_ready.emit(path)

    def _on_model_failed(self, words: str) -> None:
        if self.model.path is None:
            self.status.tell("No pose model; see Export \u25b8 Pose model.", 0)
        self.dialogs.show(self.model.problem_dialog(words))
        self.model_failed.emit(words)

    # live ---------------------------------------------------------------------------------
    def refresh_cameras(self) -> None:
        from app.media.camera import list_cameras
        run_in_pool(list_cameras, self._on_cameras)

    def _on_cameras(self, cameras) -> None:
        if not self._closing:
            self.live.source_bar.set_cameras(cameras)

    def toggle_live(self) -> None:
        if self.live.running:
            self.live.stop()
        else:
            self.live.start_selected()

    def _on_live_frame(self, frame) -> None:
        # Until the Plots panel exists (the first second or so of the app)
        # frames are not plotted: building it here would block the preview.
        if self.bottom.plots_built:
            self.plots.add_live_frame(frame)
        self.distant_hint.add(frame.result.pose)

    def _on_live_running(self, running: bool) -> None:
        if running:
            if self.bottom.plots_built:
                self.plots.clear_live()
                self.plots.show_live()
            self.distant_hint.restart()

    # exports --------------------------------------------------------------------------------
    def open_files(self) -> None:
        self.export_actions.open_files()

    def add_files(self, paths: list[Path]) -> list[int]:
        """Queues files (and the media inside folders) with the current settings."""
        return self.export_actions.add_files(paths)

    def plot_keypoints(self, result) -> None:
        self.export_actions.plot_keypoints(result)

    # drag and drop -----------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_files(paths)

    # dialogs -------------------------------------------------------------------------------
    def show_error(self, title: str, message: str) -> QMessageBox:
        """A non-blocking error dialog (the queue and preview go on)."""
        return self.dialogs.show_error(title, message)

    def show_about(self) -> None:
        from app.gui.shell.about import show_about
        show_about(self, self.model.path)

    def show_guide(self) -> None:
        from app.gui.shell.about import show_guide
        show_guide(self)

    def show_privacy(self) -> None:
        from app.gui.shell.about import show_privacy
        show_privacy(self)

    # closing ---------------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stops every worker and waits for them; saves the settings."""
        if self._closing:
            return
        self._closing = True
        self.dialogs.suppressed = True
        self.model.closing = self.export_actions.closing = True
        self.import_warmup.stop()
        self.live.shutdown()
        self.exports.shutdown()
        QThreadPool.globalInstance().waitForDone(15000)
        self.saver.save_on_close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
