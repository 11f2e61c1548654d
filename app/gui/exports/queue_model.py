"""The conversion queue's rows: one frozen value per file (its job, status,
progress, result) and the table model the queue view shows. Thread: GUI."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt

from app.base.text import format_duration
from app.engine.jobs import ConvertJob
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
