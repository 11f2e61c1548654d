"""The main window: live preview in the centre, settings in a side panel,
the conversion queue and plots below.

The window holds the one StudioSettings value: panels report edits, the
window applies them, feeds the live preview and new exports from it, and
saves it (debounced) for the next start.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.base.studio_settings import StudioSettings
from app.engine.app_state import AppState
from app.engine.jobs import expand_inputs
from app.engine.live import LiveSettings
from app.engine.live_recorder import RecordRequest
from app.gui.background_panel import BackgroundPanel, media_filter
from app.gui.export_panel import ExportPanel, output_dir_of
from app.gui.export_queue import ExportController
from app.gui.icons import app_icon
from app.gui.live_panel import LivePanel, recording_name
from app.gui.people_panel import PeoplePanel
from app.gui.queue_view import QueueView
from app.gui.settings_store import SettingsStore
from app.gui.style_panel import StylePanel
from app.gui.tasks import run_in_pool
from app.gui.theme import THEME_MODES, ThemeManager

SAVE_DELAY_MS = 400


class MainWindow(QMainWindow):
    """Thread: GUI."""

    model_ready = Signal(object)  # Path
    model_failed = Signal(str)

    def __init__(self, store: SettingsStore | None = None, *, model: Path | None = None,
                 theme: ThemeManager | None = None) -> None:
        super().__init__()
        self.store = store or SettingsStore()
        self.state = AppState(self.store.load())
        self.theme = theme
        self.explicit_model = model
        self.model_path: Path | None = None
        self.error_dialogs: list[QMessageBox] = []
        self._closing = False
        self.setWindowTitle("PoseCloak")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.resize(1360, 860)

        self.live = LivePanel(record_request=self._record_request)
        self.exports = ExportController(self)
        self.queue = QueueView(self.exports)
        self._plots = None  # built just after the window shows (pyqtgraph loads slowly)
        self._analysis_view = None  # built on first use, likewise
        self.style_panel = StylePanel(self.state)
        self.background_panel = BackgroundPanel(self.state)
        self.people_panel = PeoplePanel(self.state)
        self.export_panel = ExportPanel(self.state)
        self.panels = (self.style_panel, self.background_panel, self.people_panel,
                       self.export_panel)
        self._build_layout()
        self._build_status_bar()
        self._build_menus()
        self._connect()
        self._save_timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self._save_settings)
        self._push_live_settings()
        self._restore_window_state()
        if theme is not None:
            theme.changed.connect(self._on_theme_changed)
            theme.apply(self.settings.theme)
        self.resolve_model()
        self.refresh_cameras()

    # layout ------------------------------------------------------------------------
    def _build_layout(self) -> None:
        self.side_tabs = QTabWidget()
        for panel, title, tip in (
                (self.style_panel, "Style", "Skeleton colours and sizes (Ctrl+1)"),
                (self.background_panel, "Background", "What the skeleton is drawn on (Ctrl+2)"),
                (self.people_panel, "People", "Detection, smoothing, IDs (Ctrl+3)"),
                (self.export_panel, "Export", "Output folder, keypoints, model (Ctrl+4)")):
            self.side_tabs.addTab(panel, title)
            self.side_tabs.setTabToolTip(self.side_tabs.count() - 1, tip)
        self.presets = QComboBox()
        self.presets.setToolTip("Load a saved look (style, background, people options)")
        self.presets.activated.connect(self._on_preset_chosen)
        header = QHBoxLayout()
        title = QLabel("Render")
        title.setObjectName("PanelTitle")
        header.addWidget(title)
        header.addStretch(1)
        header.addWidget(self.presets)
        side = QWidget()
        side.setObjectName("SidePanel")
        side.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(8, 10, 8, 8)
        side_layout.addLayout(header)
        side_layout.addWidget(self.side_tabs, 1)
        side.setMinimumWidth(330)
        side.setMaximumWidth(460)
        self._refresh_presets()

        self.bottom_tabs = QTabWidget()
        self.bottom_tabs.setObjectName("BottomPanel")
        self.bottom_tabs.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.bottom_tabs.addTab(self.queue, "Queue")
        self._plots_placeholder = QWidget()
        self.bottom_tabs.addTab(self._plots_placeholder, "Plots")
        self._analysis_placeholder = QWidget()
        self.bottom_tabs.addTab(self._analysis_placeholder, "Analysis")
        QTimer.singleShot(0, lambda: self.plots)

        self.top_split = QSplitter(Qt.Orientation.Horizontal)
        self.top_split.addWidget(self.live)
        self.top_split.addWidget(side)
        self.top_split.setStretchFactor(0, 1)
        self.top_split.setStretchFactor(1, 0)
        self.top_split.setSizes([1000, 340])
        self.main_split = QSplitter(Qt.Orientation.Vertical)
        self.main_split.addWidget(self.top_split)
        self.main_split.addWidget(self.bottom_tabs)
        self.main_split.setStretchFactor(0, 3)
        self.main_split.setStretchFactor(1, 1)
        self.main_split.setSizes([600, 240])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(10, 10, 10, 4)
        layout.addWidget(self.main_split)
        self.setCentralWidget(central)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        self.status_labels = {name: QLabel() for name in
                              ("source", "size", "capture", "inference", "people")}
        tips = {"source": "Live source", "size": "Resolution", "capture": "Frames the source "
                "delivers per second", "inference": "Frames the pose model processes per "
                "second", "people": "People in the newest frame"}
        for name, label in self.status_labels.items():
            label.setToolTip(tips[name])
            bar.addPermanentWidget(label)
        self._on_live_status("No live source", "", "", "", "")

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file = menu.addMenu("&File")
        self._action(file, "&Open files to convert\u2026", QKeySequence.StandardKey.Open,
                     self.open_files)
        self._action(file, "Choose &output folder\u2026", None, self.export_panel.choose_output_folder)
        file.addSeparator()
        self._action(file, "&Quit", QKeySequence.StandardKey.Quit, self.close)

        live = menu.addMenu("&Live")
        self._action(live, "&Start / stop", "Ctrl+L", self.toggle_live)
        self._action(live, "&Pause / resume", "Space", self.live.source_bar.toggle_pause)
        self._action(live, "&Record", "Ctrl+R", self.live.source_bar.record.click)
        self._action(live, "Show &camera picture", "Ctrl+K", self.live.source_bar.show_raw.click)
        self._action(live, "Refresh camera list", "F5", self.refresh_cameras)
        live.addSeparator()
        self._action(live, "Show everyone again (clear left-out people)", "Ctrl+Shift+X",
                     self.clear_exclusions)

        presets = menu.addMenu("&Presets")
        self._action(presets, "&Save current look as\u2026", "Ctrl+Shift+S", self.save_preset_dialog)
        self.delete_preset_menu = presets.addMenu("&Delete")
        self.delete_preset_menu.aboutToShow.connect(self._fill_delete_menu)

        view = menu.addMenu("&View")
        for i in range(self.side_tabs.count()):
            self._action(view, f"{self.side_tabs.tabText(i)} settings", f"Ctrl+{i + 1}",
                         lambda i=i: self.side_tabs.setCurrentIndex(i))
        self._action(view, "Queue", "Ctrl+5", lambda: self.bottom_tabs.setCurrentIndex(0))
        self._action(view, "Plots", "Ctrl+6", lambda: self.bottom_tabs.setCurrentIndex(1))
        self._action(view, "Analysis", "Ctrl+7",
                     lambda: self.bottom_tabs.setCurrentWidget(self.analysis_view))
        view.addSeparator()
        theme_menu = view.addMenu("&Theme")
        group = QActionGroup(self)
        for mode in THEME_MODES:
            action = theme_menu.addAction(mode.capitalize(), lambda m=mode: self.set_theme(m))
            action.setCheckable(True)
            action.setChecked(self.settings.theme == mode)
            group.addAction(action)

        settings = menu.addMenu("&Settings")
        self.offline_action = settings.addAction("&Offline (never download the model)")
        self.offline_action.setCheckable(True)
        self.offline_action.setChecked(self.settings.offline)
        self.offline_action.toggled.connect(lambda on: self.apply_changes({"offline": on}))

        help_menu = menu.addMenu("&Help")
        self._action(help_menu, "&About PoseCloak", QKeySequence.StandardKey.HelpContents,
                     self.show_about)

    def _action(self, menu, text: str, shortcut, slot) -> QAction:
        action = menu.addAction(text)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _connect(self) -> None:
        self.state.observe(self._on_settings_changed)
        self.live.frame_shown.connect(self._on_live_frame)
        self.live.status_changed.connect(self._on_live_status)
        self.live.person_excluded.connect(self.exclude_person)
        self.live.message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self.live.error.connect(self.show_error)
        self.live.running_changed.connect(self._on_live_running)
        self.queue.add_requested.connect(self.open_files)
        self.queue.plot_requested.connect(lambda row: self.plot_keypoints(row.result))
        self.queue.open_failed.connect(lambda message: self.show_error("Cannot open", message))
        self.exports.job_failed.connect(self._on_export_failed)
        self.exports.job_finished.connect(self._on_export_finished)

    # settings ------------------------------------------------------------------------
    @property
    def settings(self) -> StudioSettings:
        return self.state.settings

    def apply_changes(self, changes: dict) -> None:
        """Changes settings fields ({field: value}) for every panel and use."""
        self.state.edit(**changes)

    def set_settings(self, settings: StudioSettings) -> None:
        self.state.replace(settings)

    def _on_settings_changed(self, settings: StudioSettings, changed, _origin) -> None:
        """The window's part as an observer of the state: the live preview
        follows, the menu's Offline toggle follows, and the settings are saved."""
        self._push_live_settings()
        if "offline" in changed or "*" in changed:
            self.offline_action.setChecked(settings.offline)
            if "offline" in changed and self.model_path is None:
                self.resolve_model()
        self._save_timer.start()

    def _push_live_settings(self) -> None:
        s = self.settings
        self.live.set_settings(LiveSettings(skeleton=s.live_skeleton(),
                                            show_raw=self.live.settings.show_raw))

    def exclude_person(self, person_id: int) -> None:
        self.state.exclude_person(person_id)
        self.statusBar().showMessage(f"Person #{person_id} is left out of the preview, "
                                     "recordings and exports (Ctrl+Shift+X to undo).", 6000)

    def clear_exclusions(self) -> None:
        self.state.clear_exclusions()

    def _save_settings(self) -> None:
        self.store.save(self.settings)

    @property
    def plots(self):
        """The Plots panel, created on first use so that importing pyqtgraph
        (about a second) does not delay the window's first paint. GUI thread."""
        if self._plots is None:
            from app.gui.plots import PlotsPanel
            self._plots = PlotsPanel()
            if self.theme is not None:
                self._plots.set_dark(self.theme.dark)
            index = self.bottom_tabs.indexOf(self._plots_placeholder)
            current = self.bottom_tabs.currentIndex()
            self.bottom_tabs.removeTab(index)
            self.bottom_tabs.insertTab(index, self._plots, "Plots")
            self.bottom_tabs.setCurrentIndex(current)
            self._plots_placeholder.deleteLater()
        return self._plots

    @property
    def analysis_view(self):
        """The Analysis tab (app/gui/analysis_view.py), created on first use. GUI thread."""
        if self._analysis_view is None:
            from app.gui.analysis_view import AnalysisView
            self._analysis_view = AnalysisView()
            self._analysis_view.seek_requested.connect(self.live.play_file_at)
            self._analysis_view.open_failed.connect(
                lambda message: self.show_error("Cannot open", message))
            if self.theme is not None:
                self._analysis_view.set_dark(self.theme.dark)
            index = self.bottom_tabs.indexOf(self._analysis_placeholder)
            current = self.bottom_tabs.currentIndex()
            self.bottom_tabs.removeTab(index)
            self.bottom_tabs.insertTab(index, self._analysis_view, "Analysis")
            self.bottom_tabs.setCurrentIndex(current)
            self._analysis_placeholder.deleteLater()
        return self._analysis_view

    def set_theme(self, mode: str) -> None:
        self.apply_changes({"theme": mode})
        if self.theme is not None:
            self.theme.apply(mode)

    def _on_theme_changed(self, dark: bool) -> None:
        self.plots.set_dark(dark)
        if self._analysis_view is not None:
            self._analysis_view.set_dark(dark)
        colors = self.theme.colors()
        from PySide6.QtGui import QColor
        for canvas in (self.live.preview.skeleton, self.live.preview.raw):
            canvas.backdrop = QColor(colors.preview)
            canvas.update()

    # presets ---------------------------------------------------------------------------
    def _refresh_presets(self) -> None:
        self.presets.clear()
        self.presets.addItem("Presets\u2026", None)
        for name in self.store.preset_names():
            self.presets.addItem(name, name)

    def _on_preset_chosen(self, index: int) -> None:
        name = self.presets.itemData(index)
        if name:
            self.load_preset(name)
        self.presets.setCurrentIndex(0)

    def load_preset(self, name: str) -> None:
        try:
            self.set_settings(self.store.load_preset(name, self.settings))
        except (OSError, ValueError) as exc:
            self.show_error("Preset not loaded", f"{name}: {exc}")
            return
        self.statusBar().showMessage(f"Preset \u201c{name}\u201d loaded.", 4000)

    def save_preset(self, name: str) -> None:
        try:
            self.store.save_preset(name, self.settings)
        except Exception as exc:  # noqa: BLE001 - disk problems become a message
            from app.engine.messages import describe_error
            self.show_error("Preset not saved", describe_error(exc))
            return
        self._refresh_presets()
        self.statusBar().showMessage(f"Preset \u201c{name}\u201d saved.", 4000)

    def save_preset_dialog(self) -> None:
        name, ok = QInputDialog.getText(self, "Save preset", "Name of this look:")
        if ok and name.strip():
            self.save_preset(name.strip())

    def _fill_delete_menu(self) -> None:
        self.delete_preset_menu.clear()
        for name in self.store.preset_names():
            self.delete_preset_menu.addAction(name, lambda n=name: self._delete_preset(n))
        if self.delete_preset_menu.isEmpty():
            self.delete_preset_menu.addAction("No presets").setEnabled(False)

    def _delete_preset(self, name: str) -> None:
        self.store.delete_preset(name)
        self._refresh_presets()

    # model ------------------------------------------------------------------------------
    def resolve_model(self) -> None:
        """Finds (or downloads, unless offline) and loads the model off the GUI thread."""
        from app.engine.model_ready import ready_model
        explicit, offline = self.explicit_model, True if self.settings.offline else None
        self.export_panel.set_model_text("Looking for the pose model\u2026")
        run_in_pool(lambda: ready_model(explicit, offline=offline), self._on_model_ready,
                    self._on_model_failed)

    def _on_model_ready(self, path: Path) -> None:
        if self._closing:
            return
        self.model_path = path
        self.live.model_path = path
        self.exports.set_model(path)
        self.export_panel.set_model_text(f"Using {path.name}\n{path.parent}")
        self.model_ready.emit(path)

    def _on_model_failed(self, message: str) -> None:
        if self._closing:
            return
        self.export_panel.set_model_text(f"No pose model: {message}")
        self.statusBar().showMessage("No pose model; see Export \u25b8 Pose model.")
        self.show_error("No pose model", message)
        self.model_failed.emit(message)

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
        self.plots.add_live_sample(frame.result.session_s, frame.result.pose, frame.inference_fps)

    def _on_live_running(self, running: bool) -> None:
        if running:
            self.plots.clear_live()
            self.plots.show_live()

    def _on_live_status(self, source: str, size: str, capture: str, inference: str,
                        people: str) -> None:
        for name, text in zip(self.status_labels, (source, size, capture, inference, people)):
            self.status_labels[name].setText(text)
            self.status_labels[name].setVisible(bool(text))

    def _record_request(self) -> RecordRequest | None:
        folder = output_dir_of(self.settings)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.show_error("Cannot record", f"{folder}: cannot create the folder ({exc.strerror}).")
            return None
        output = recording_name(folder)
        keypoints = (output.with_suffix(".json"),) if self.settings.record_keypoints else ()
        return RecordRequest(output, keypoints)

    # exports --------------------------------------------------------------------------------
    def open_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Convert videos or images", "",
                                                media_filter())
        self.add_files([Path(n) for n in names])

    def add_files(self, paths: list[Path]) -> list[int]:
        """Queues files (and the media inside folders) with the current settings."""
        folder = output_dir_of(self.settings)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass  # the job reports the folder problem on its row
        settings = self.settings.convert_settings()
        ids = []
        for path in expand_inputs(paths)[0]:
            row_id = self.exports.add(path, settings, folder, self.settings.keypoints,
                                      self.settings.video_suffix, self.settings.report)
            ids.append(row_id)
            self._probe_duration(row_id, path)
        if ids:
            self.bottom_tabs.setCurrentWidget(self.queue)
        return ids

    def _probe_duration(self, row_id: int, path: Path) -> None:
        from app.base.formats import is_image_path
        if is_image_path(path):
            return

        def probe_seconds() -> float:
            from app.media.video import probe
            return probe(path).duration_s

        run_in_pool(probe_seconds, lambda s: self._closing or self.exports.set_duration(row_id, s))

    def _on_export_failed(self, row_id: int, message: str) -> None:
        row = self.exports.model.row(row_id)
        name = row.name if row else "A file"
        # Messages name their file already ("NAME: what went wrong"): once is enough.
        detail = message.removeprefix(f"{name}: ")
        self.show_error("Conversion failed", f"{name} could not be converted:\n"
                        f"{detail[:1].upper()}{detail[1:]}")

    def _on_export_finished(self, row_id: int, result) -> None:
        self.statusBar().showMessage(f"Saved {result.output}", 6000)
        if result.analysis is not None:
            row = self.exports.model.row(row_id)
            report = row.job.report.html if row and row.job.report else None
            self.analysis_view.show_result(result.output.name, result.source, result.analysis,
                                           report)
        if not self.live.running:
            self.plot_keypoints(result)

    def plot_keypoints(self, result) -> None:
        from app.engine.analysis_files import series_of_keypoint_file
        json_files = [k for k in result.keypoints if k.suffix.lower() == ".json"]
        if not json_files:
            return
        path = json_files[0]
        run_in_pool(lambda: series_of_keypoint_file(path),
                    lambda data: self._closing or self.plots.show_file(result.output.name, data),
                    lambda message: self.statusBar().showMessage(message, 6000))

    # drag and drop -----------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if any(u.isLocalFile() for u in urls):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_files(paths)

    # dialogs -------------------------------------------------------------------------------
    def show_error(self, title: str, message: str) -> QMessageBox:
        """A non-blocking error dialog (the queue and preview go on)."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok,
                          self)
        box.setObjectName("ErrorDialog")
        box.setModal(False)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _r: self.error_dialogs.remove(box)
                             if box in self.error_dialogs else None)
        self.error_dialogs.append(box)
        if not self._closing:
            box.show()
        return box

    def show_about(self) -> None:
        from app.gui.about import show_about
        show_about(self, self.model_path)

    # window state ----------------------------------------------------------------------------
    def _restore_window_state(self) -> None:
        geometry, state = self.store.window_state()
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state)
        sizes = self.store.value("window/splitter")
        if isinstance(sizes, QByteArray):
            self.main_split.restoreState(sizes)

    def shutdown(self) -> None:
        """Stops every worker and waits for them; saves the settings."""
        if self._closing:
            return
        self._closing = True
        self._save_timer.stop()
        self.live.shutdown()
        self.exports.shutdown()
        QThreadPool.globalInstance().waitForDone(15000)
        self.store.set_value("window/splitter", self.main_split.saveState())
        self.store.save_window_state(self.saveGeometry(), self.saveState())
        self.store.save(self.settings)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
