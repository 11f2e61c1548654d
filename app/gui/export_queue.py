"""The conversion queue: rows (a table model), the export worker on its own
QThread, and the controller between them.

The worker calls `app.engine.pipeline.convert` (the CLI's pipeline) one job at
a time, so GUI and CLI outputs with the same settings are the same. Each
job has its own cancel event; one failing job never stops the others.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    Qt,
    QThread,
    Signal,
    Slot,
)

from app.base.errors import Cancelled
from app.base.settings import SkeletonSettings
from app.base.text import format_duration
from app.engine.jobs import ConvertJob, default_output_for, plan_job
from app.engine.messages import describe_error
from app.engine.pipeline import convert
from app.engine.results import ConvertResult, Progress


class RowStatus(Enum):
    QUEUED = "Queued"
    RUNNING = "Converting"
    DONE = "Done"
    FAILED = "Failed"
    CANCELLED = "Cancelled"

    @property
    def finished(self) -> bool:
        return self in (RowStatus.DONE, RowStatus.FAILED, RowStatus.CANCELLED)


@dataclass(frozen=True)
class QueueRow:
    row_id: int
    job: ConvertJob
    duration_s: float | None = None
    status: RowStatus = RowStatus.QUEUED
    progress: Progress | None = None
    message: str = ""
    result: ConvertResult | None = None

    @property
    def name(self) -> str:
        return self.job.source.name


def _clock(seconds: float | None) -> str:
    return "" if seconds is None else format_duration(seconds)


class QueueColumn(int, Enum):
    NAME = 0
    DURATION = 1
    PROGRESS = 2
    FPS = 3
    ETA = 4
    STATUS = 5


HEADERS = ("File", "Duration", "Progress", "FPS", "ETA", "Status")
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 1  # float 0..1, or -1 before any progress
STATUS_ROLE = Qt.ItemDataRole.UserRole + 2


class ExportQueueModel(QAbstractTableModel):
    """Rows of the queue. Thread: GUI."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[QueueRow] = []

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = QueueColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if row.message:
                return row.message
            return str(row.result.output if row.result else row.job.source)
        if role == PROGRESS_ROLE:
            if row.status is RowStatus.DONE:
                return 1.0
            return row.progress.fraction if row.progress else -1.0
        if role == STATUS_ROLE:
            return row.status
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
                QueueColumn.DURATION, QueueColumn.FPS, QueueColumn.ETA):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, row: QueueRow, column: QueueColumn) -> str:
        p = row.progress
        if column is QueueColumn.NAME:
            return row.name
        if column is QueueColumn.DURATION:
            return _clock(row.duration_s)
        if column is QueueColumn.PROGRESS:
            return f"{p.fraction:.0%}" if p else ""
        if column is QueueColumn.FPS:
            return f"{p.fps:.1f}" if p and p.fps else ""
        if column is QueueColumn.ETA:
            return _clock(p.eta_s) if p and row.status is RowStatus.RUNNING else ""
        if row.status is RowStatus.FAILED:
            return f"Failed: {row.message}"
        if row.status is RowStatus.DONE and row.message:
            return f"Done ({row.message})"
        return row.status.value

    # rows -----------------------------------------------------------------------
    def rows(self) -> list[QueueRow]:
        return list(self._rows)

    def row(self, row_id: int) -> QueueRow | None:
        return next((r for r in self._rows if r.row_id == row_id), None)

    def row_at(self, position: int) -> QueueRow:
        return self._rows[position]

    def add(self, row: QueueRow) -> None:
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows))
        self._rows.append(row)
        self.endInsertRows()

    def update(self, row_id: int, **changes) -> QueueRow | None:
        for i, row in enumerate(self._rows):
            if row.row_id == row_id:
                self._rows[i] = replace(row, **changes)
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(HEADERS) - 1))
                return self._rows[i]
        return None

    def remove_finished(self) -> None:
        keep = [r for r in self._rows if not r.status.finished]
        if len(keep) != len(self._rows):
            self.beginResetModel()
            self._rows = keep
            self.endResetModel()


class ExportWorker(QObject):
    """Runs jobs on the export thread, in the order they were submitted."""

    started = Signal(int)
    progressed = Signal(int, object)  # row id, Progress
    succeeded = Signal(int, object)  # row id, ConvertResult
    failed = Signal(int, str)
    cancelled = Signal(int)

    @Slot(int, object, object, object)
    def run_job(self, row_id: int, job: ConvertJob, model_path: Path,
                cancel: threading.Event) -> None:
        if cancel.is_set():
            self.cancelled.emit(row_id)
            return
        self.started.emit(row_id)
        try:
            result = convert(job, model_path, cancel=cancel,
                             progress=lambda p: self.progressed.emit(row_id, p))
        except Cancelled:
            self.cancelled.emit(row_id)
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the queue
            self.failed.emit(row_id, describe_error(exc))
        else:
            self.succeeded.emit(row_id, result)


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
