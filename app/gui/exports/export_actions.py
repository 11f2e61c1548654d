"""What the window does with exports: queues the files the user opens or
drops (with the current settings), and answers a finished or failed row
(a dialog, the analysis, the plots)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from app.engine.jobs import expand_inputs
from app.gui.exports.export_queue import ExportController
from app.gui.panels.background_panel import media_filter
from app.gui.panels.export_panel import output_dir_of
from app.gui.shell.bottom_tabs import BottomTabs
from app.gui.shell.tasks import run_in_pool
from app.studio.app_state import AppState


class ExportActions:
    """Thread: GUI. `tell(text)` shows a short note; `live_running()` says
    whether the live preview owns the plots."""

    def __init__(self, state: AppState, exports: ExportController, bottom: BottomTabs,
                 parent: QWidget, *, tell: Callable[[str], None],
                 show_error: Callable[[str, str], object],
                 live_running: Callable[[], bool]) -> None:
        self.state, self.exports, self.bottom, self.parent = state, exports, bottom, parent
        self.tell, self.show_error, self.live_running = tell, show_error, live_running
        self.closing = False
        exports.job_failed.connect(self._on_failed)
        exports.job_finished.connect(self._on_finished)

    def open_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self.parent, "Convert videos or images", "",
                                                media_filter())
        self.add_files([Path(n) for n in names])

    def add_files(self, paths: list[Path]) -> list[int]:
        """Queues files (and the media inside folders) with the current settings."""
        settings = self.state.settings
        folder = output_dir_of(settings)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass  # the job reports the folder problem on its row
        skeleton = settings.convert_settings()
        ids = []
        for path in expand_inputs(paths)[0]:
            row_id = self.exports.add(path, skeleton, folder, settings.keypoints,
                                      settings.video_suffix, settings.report)
            ids.append(row_id)
            self._probe_duration(row_id, path)
        if ids:
            self.bottom.show_queue()
        return ids

    def plot_keypoints(self, result) -> None:
        """Shows a finished conversion's keypoints in the Plots tab."""
        from app.engine.analysis_files import series_of_keypoint_file
        json_files = [k for k in result.keypoints if k.suffix.lower() == ".json"]
        if not json_files:
            return
        path = json_files[0]
        run_in_pool(lambda: series_of_keypoint_file(path),
                    lambda data: self.closing or self.bottom.plots.show_file(
                        result.output.name, data),
                    self.tell)

    def _probe_duration(self, row_id: int, path: Path) -> None:
        from app.base.formats import is_image_path
        if is_image_path(path):
            return

        def probe_seconds() -> float:
            from app.media.video import probe
            return probe(path).duration_s

        run_in_pool(probe_seconds, lambda s: self.closing or self.exports.set_duration(row_id, s))

    def _on_failed(self, row_id: int, message: str) -> None:
        row = self.exports.model.row(row_id)
        name = row.name if row else "A file"
        # Messages name their file already ("NAME: what went wrong"): once is enough.
        detail = message.removeprefix(f"{name}: ")
        self.show_error("Conversion failed", f"{name} could not be converted:\n"
                        f"{detail[:1].upper()}{detail[1:]}")

    def _on_finished(self, row_id: int, result) -> None:
        self.tell(f"Saved {result.output}")
        if result.analysis is not None:
            row = self.exports.model.row(row_id)
            report = row.job.report.html if row and row.job.report else None
            self.bottom.analysis.show_result(result.output.name, result.source, result.analysis,
                                             report)
        if not self.live_running():
            self.plot_keypoints(result)
