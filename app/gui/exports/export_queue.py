"""The conversion queue's controller: adds, starts and cancels rows, between
the row model (app/gui/exports/queue_model.py) and the export worker on its own
QThread (app/gui/exports/export_worker.py). The row model's names are importable
from here as before."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal

from app.base.settings import SkeletonSettings
from app.engine.jobs import default_output_for, plan_job
from app.engine.results import ConvertResult, Progress
from app.gui.exports.export_worker import ExportWorker
from app.gui.exports.queue_model import (  # noqa: F401 - the row model's API, as before
    HEADERS,
    PROGRESS_ROLE,
    STATUS_ROLE,
    ExportQueueModel,
    QueueColumn,
    QueueRow,
    RowStatus,
)


class ExportController(QObject):
    """Adds, runs and cancels queue rows. Thread: GUI."""

    job_finished = Signal(int, object)  # row id, ConvertResult
    job_failed = Signal(int, str)  # row id, message
    _submit = Signal(int, object, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = ExportQueueModel(self)
        self._ids = itertools.count(1)
        self._cancels: dict[int, threading.Event] = {}
        self._model_path: Path | None = None
        self._waiting: list[int] = []  # added before the model was ready
        self._thread = QThread(self)
        self._thread.setObjectName("posecloak-export")
        self._worker = ExportWorker()
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.run_job)
        self._worker.started.connect(self._on_started)
        self._worker.progressed.connect(self._on_progress)
        self._worker.succeeded.connect(self._on_succeeded)
        self._worker.failed.connect(self._on_failed)
        self._worker.cancelled.connect(self._on_cancelled)
        self._thread.start()

    # commands -----------------------------------------------------------------
    def set_model(self, model_path: Path) -> None:
        self._model_path = Path(model_path)
        waiting, self._waiting = self._waiting, []
        for row_id in waiting:
            self._start(row_id)

    def add(self, source: Path, settings: SkeletonSettings, out_dir: Path,
            keypoint_formats: tuple[str, ...] = (), video_suffix: str = ".mp4",
            report: bool = False) -> int:
        row_id = next(self._ids)
        output = self._unique_output(default_output_for(Path(source), out_dir, video_suffix))
        job = plan_job(Path(source), settings, output, keypoint_formats=keypoint_formats,
                       report=report)
        self.model.add(QueueRow(row_id, job))
        self._cancels[row_id] = threading.Event()
        if self._model_path is None:
            self._waiting.append(row_id)
        else:
            self._start(row_id)
        return row_id

    def cancel(self, row_id: int) -> None:
        event = self._cancels.get(row_id)
        if event is not None:
            event.set()
        if row_id in self._waiting:
            self._waiting.remove(row_id)
            self._on_cancelled(row_id)

    def cancel_all(self) -> None:
        for row_id in list(self._cancels):
            self.cancel(row_id)

    @property
    def busy(self) -> bool:
        return bool(self._cancels)

    @property
    def finished(self) -> bool:
        """True once the export thread has ended (after `shutdown`)."""
        return self._thread.isFinished()

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Cancels everything and ends the export thread (closing the window)."""
        self.cancel_all()
        self._thread.quit()
        return self._thread.wait(timeout_ms)

    def set_duration(self, row_id: int, duration_s: float) -> None:
        self.model.update(row_id, duration_s=duration_s)

    # internals ------------------------------------------------------------------
    def _start(self, row_id: int) -> None:
        row = self.model.row(row_id)
        self._submit.emit(row_id, row.job, self._model_path, self._cancels[row_id])

    def _unique_output(self, output: Path) -> Path:
        """output, or output-2, -3... when a file or a queued job has the name."""
        taken = {r.job.output for r in self.model.rows() if r.status is not RowStatus.FAILED}
        candidate, n = output, 1
        while candidate in taken or candidate.exists():
            n += 1
            candidate = output.with_name(f"{output.stem}-{n}{output.suffix}")
        return candidate

    def _on_started(self, row_id: int) -> None:
        self.model.update(row_id, status=RowStatus.RUNNING)

    def _on_progress(self, row_id: int, progress: Progress) -> None:
        self.model.update(row_id, progress=progress)

    def _on_succeeded(self, row_id: int, result: ConvertResult) -> None:
        self._cancels.pop(row_id, None)
        self.model.update(row_id, status=RowStatus.DONE, result=result,
                          duration_s=result.duration_s or None,
                          message="; ".join(result.notes()))
        self.job_finished.emit(row_id, result)

    def _on_failed(self, row_id: int, message: str) -> None:
        self._cancels.pop(row_id, None)
        self.model.update(row_id, status=RowStatus.FAILED, message=message)
        self.job_failed.emit(row_id, message)

    def _on_cancelled(self, row_id: int) -> None:
        self._cancels.pop(row_id, None)
        self.model.update(row_id, status=RowStatus.CANCELLED, message="Cancelled; nothing was written.")
