"""One file's task, as a worker runs it: the CLI's very pipeline
(app/engine/pipeline.py `convert`) on the job the client planned, with the
model the client sent (checked by hash), reporting progress to the client
and stopping when the client cancels the batch.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace

from app.engine.cluster.manifest import Entry, entry_for
from app.engine.jobs import ConvertJob
from app.engine.results import ConvertResult, Progress

PROGRESS_TOPIC = "posecloak-progress"
REPORT_INTERVAL_S = 0.5  # progress messages per task, and cancel checks


@dataclass(frozen=True)
class TaskResult:
    """What a worker sends back: the pipeline's result (its analysis left
    out: the client prints none) and the manifest entry."""

    result: ConvertResult
    entry: Entry
    worker: str


def remove_partials_of(job: ConvertJob) -> None:
    """Removes temp files of this job's outputs left by a worker that died
    on another machine (a dead process on this one is cleaned anyway by
    app.base.files): the scheduler runs a task on one worker at a time,
    so nobody else is writing them."""
    from app.base.files import TEMP_MARK
    for target in job.outputs():
        prefix = f".{target.stem}{TEMP_MARK}-"
        try:
            stale = [p for p in target.parent.iterdir()
                     if p.name.startswith(prefix) and p.name.endswith(target.suffix)]
        except OSError:
            continue
        for p in stale:
            p.unlink(missing_ok=True)


class _Reporter:
    """Throttled progress to the client, and the batch's cancel flag checked
    at the same pace (each check asks the scheduler)."""

    def __init__(self, worker, key: str, cancel_name: str, cancel: threading.Event) -> None:
        from distributed import Event
        self.worker, self.key, self.cancel = worker, key, cancel
        self._flag = Event(cancel_name)
        self._last = 0.0

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        if now - self._last < REPORT_INTERVAL_S:
            return
        self._last = now
        self.worker.log_event(PROGRESS_TOPIC, {"key": self.key, "worker": self.worker.address,
                                               "frames": progress.frames_done})
        if self._flag.is_set():
            self.cancel.set()  # the pipeline stops and removes its temp files


def run_job(job: ConvertJob, model_sha256: str, cancel_name: str) -> TaskResult:
    """Converts one file on this worker. Raises the pipeline's errors (the
    client reports them, one line each)."""
    from distributed import get_worker

    from app.engine.cluster.model_plugin import worker_model
    from app.engine.pipeline import convert
    worker = get_worker()
    model = worker_model(worker.local_directory, model_sha256)
    remove_partials_of(job)
    cancel = threading.Event()
    # The task's own key names its messages: unique to this batch, so two
    # clients' batches on one cluster never count each other's frames.
    reporter = _Reporter(worker, str(worker.get_current_task()), cancel_name, cancel)
    result = convert(job, model, progress=reporter, cancel=cancel)
    return TaskResult(replace(result, analysis=None), entry_for(job, model_sha256),
                      worker.address)
