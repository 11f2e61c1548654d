"""A batch on the cluster, as the client runs it: skip what the manifest
says is done, send one task per remaining file, follow their progress as
one batch, record each finished file in its folder's manifest, and report
each file's result or failure as it comes.

Workers that die mid-file are Dask's to handle: the scheduler gives the
task to another worker (up to `distributed.scheduler.allowed-failures`
times); the dead worker's temp file is removed by the next attempt, so no
partial output stays. Cancellation is cooperative: a distributed Event the
running tasks check (app/engine/cluster/task.py).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from app.base.errors import OutputError, PoseCloakError
from app.engine.cluster.manifest import Manifest, entry_key
from app.engine.cluster.task import PROGRESS_TOPIC, TaskResult, run_job
from app.engine.jobs import ConvertJob
from app.engine.results import ConvertResult, Progress


@dataclass(frozen=True)
class BatchProgress(Progress):
    """The whole batch: files finished (converted, skipped or failed) and
    frames converted over the cluster (fps and ETA as for one file)."""

    files_done: int = 0
    files_total: int = 0

    @property
    def fraction(self) -> float:
        if self.frames_total <= 0:
            return self.files_done / self.files_total if self.files_total else 0.0
        return super().fraction


@dataclass(frozen=True)
class FileOutcome:
    """One file's end: converted (result), skipped (already done) or failed."""

    job: ConvertJob
    result: ConvertResult | None = None
    error: BaseException | None = None
    skipped: bool = False
    worker: str = ""


class _Tally:
    """Frames per file from the workers' messages (the client's event loop
    thread) and finished files (the calling thread), under one lock."""

    def __init__(self, totals: dict[str, int], files_total: int) -> None:
        self._lock = threading.Lock()
        self._frames = dict.fromkeys(totals, 0)
        self._totals = totals
        self._files = 0
        self.files_total = files_total
        self.started = time.monotonic()
        self.frames_base = 0  # frames of skipped files: not counted in fps

    def on_event(self, event) -> None:
        _, msg = event
        with self._lock:
            if msg.get("key") in self._frames:
                self._frames[msg["key"]] = int(msg["frames"])

    def finish_file(self, key: str | None, frames: int | None) -> None:
        with self._lock:
            self._files += 1
            if key is not None and key in self._frames:
                # Its real count when converted; its planned count when it failed.
                self._frames[key] = frames if frames is not None else self._totals.get(key, 0)

    def snapshot(self) -> BatchProgress:
        with self._lock:
            return BatchProgress(frames_done=sum(self._frames.values()),
                                 frames_total=sum(self._totals.values()),
                                 elapsed_s=time.monotonic() - self.started,
                                 files_done=self._files, files_total=self.files_total)


def _planned_frames(job: ConvertJob) -> int:
    from app.base.formats import is_image_path
    from app.media.video import probe
    if is_image_path(job.source):
        return 1
    try:
        return max(0, probe(job.source).frame_count)
    except (PoseCloakError, OSError):
        return 0  # it fails on the worker, with the pipeline's own message


def _absolute(job: ConvertJob) -> ConvertJob:
    """Workers run elsewhere, in another folder: they get absolute paths
    (of the shared folder every worker sees)."""
    report = job.report
    if report is not None:
        report = type(report)(*(Path(p).absolute() for p in report.paths()))
    return replace(job, source=job.source.absolute(), output=job.output.absolute(),
                   keypoints=tuple(k.absolute() for k in job.keypoints), report=report)


def _existing_output(job: ConvertJob) -> Path | None:
    return next((p for p in job.outputs() if p.exists()), None)


def run_batch(client, jobs: list[ConvertJob], model_path: Path, model_sha256: str, *,
              on_outcome: Callable[[FileOutcome], None],
              on_progress: Callable[[BatchProgress], None] | None = None,
              cancel: threading.Event | None = None, poll_s: float = 0.2) -> list[FileOutcome]:
    """Converts `jobs` on `client`'s cluster; outcomes in the order they end.

    Thread: the caller's (blocking). `on_outcome` and `on_progress` are
    called on it. Set `cancel` (or press Ctrl+C) to stop: running tasks
    stop and remove their temp files; KeyboardInterrupt is re-raised.
    """
    from distributed import Event, wait

    from app.engine.cluster.model_plugin import ModelPlugin

    cancel = cancel or threading.Event()
    jobs = [_absolute(j) for j in jobs]
    manifests: dict[Path, Manifest] = {}
    outcomes: list[FileOutcome] = []

    def report(outcome: FileOutcome) -> None:
        outcomes.append(outcome)
        on_outcome(outcome)

    pending: list[ConvertJob] = []
    for job in jobs:
        manifest = manifests.setdefault(job.output.parent, Manifest(job.output.parent))
        if manifest.is_done(job, model_sha256):
            report(FileOutcome(job, skipped=True))
            continue
        existing = _existing_output(job)
        # Outputs this very job made before (one since lost or changed) are
        # its own to replace; others are the user's, as in a local run.
        if existing is not None and not job.overwrite and not manifest.made_by(job, model_sha256):
            report(FileOutcome(job, error=OutputError(
                f"{existing.name} already exists (use --overwrite to replace it).")))
            continue
        # Checked above: what exists now at the task's start was written by
        # an earlier attempt of this very task (a worker killed between its
        # renames), so the task may replace it.
        pending.append(replace(job, overwrite=True))
    if not pending:
        return outcomes
    batch = uuid.uuid4().hex
    keys = [f"posecloak-{batch}-{n}" for n in range(len(pending))]
    tally = _Tally({k: _planned_frames(j) for k, j in zip(keys, pending)}, len(jobs))
    for _ in outcomes:
        tally.finish_file(None, None)

    client.register_plugin(ModelPlugin.from_file(model_path, model_sha256))
    cancel_name = f"posecloak-cancel-{batch}"
    cancel_flag = Event(cancel_name, client=client)
    client.subscribe_topic(PROGRESS_TOPIC, tally.on_event)
    futures = {client.submit(run_job, job, model_sha256, cancel_name, key=key, pure=False): job
               for key, job in zip(keys, pending)}
    waiting = set(futures)
    try:
        while waiting:
            if cancel.is_set():
                raise KeyboardInterrupt
            try:
                done, waiting = wait(waiting, timeout=poll_s, return_when="FIRST_COMPLETED")
            except TimeoutError:
                done = set()
            for future in done:
                job = futures[future]
                outcome = _outcome(future, job)
                if outcome.result is not None:
                    manifests[job.output.parent].record(entry_key(job), future.result().entry)
                tally.finish_file(future.key, outcome.result.frames if outcome.result else None)
                report(outcome)
            if on_progress is not None:
                on_progress(tally.snapshot())
    except BaseException:
        cancel_flag.set()  # running tasks stop at their next check
        client.cancel(list(waiting))
        _wait_until_stopped(client, f"posecloak-{batch}-")
        raise
    finally:
        client.unsubscribe_topic(PROGRESS_TOPIC)
    return outcomes


def _running_tasks(prefix: str, dask_worker=None) -> int:
    """On a worker: how many of the batch's tasks still run there."""
    return sum(str(ts.key).startswith(prefix) for ts in dask_worker.state.executing)


def _wait_until_stopped(client, prefix: str, timeout_s: float = 30.0) -> None:
    """After a cancel: the running tasks see the flag within a progress
    interval, then remove their temp files; wait for that (bounded), so the
    caller's "nothing half-written" holds when it returns."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if not any(client.run(_running_tasks, prefix).values()):
                return
        except Exception:  # noqa: BLE001 - a worker gone: nothing of ours runs there
            return
        time.sleep(0.2)


def _outcome(future, job: ConvertJob) -> FileOutcome:
    from distributed.scheduler import KilledWorker
    try:
        done: TaskResult = future.result()
    except KilledWorker:
        return FileOutcome(job, error=PoseCloakError(
            f"{job.source.name}: the workers converting it died each time; check the file "
            "and the workers' memory."))
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the batch
        return FileOutcome(job, error=exc)
    return FileOutcome(job, result=done.result, worker=done.worker)
