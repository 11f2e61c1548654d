"""The export worker: runs conversion jobs one at a time on the export
QThread through `app.engine.pipeline.convert` (the CLI's pipeline), so GUI
and CLI outputs with the same settings are the same. One failing job never
stops the others; each job has its own cancel event."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from app.base.errors import Cancelled
from app.engine.jobs import ConvertJob
from app.engine.messages import describe_error
from app.engine.pipeline import convert


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
