"""The one per-file batch runner (app/engine/batch.py) that convert, analyze
and the cluster share: per-file failures, Ctrl+C, cancel, summary and exit
codes. (The CLI's runs of it on real files: tests/test_cli.py,
tests/test_faults.py, tests/test_cluster.py.)"""

from __future__ import annotations

import threading
from pathlib import Path

from app.base.errors import InputError
from app.engine.batch import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    BatchReport,
    FileBatch,
    run_files,
)


class Seen:
    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def started(self, index, total, item):
        self.events.append(("started", (index, total, item)))
        return lambda progress: self.events.append(("progress", progress))

    def finished(self, item, value):
        self.events.append(("finished", (item, value)))

    def failed(self, item, message):
        self.events.append(("failed", (item, message)))

    def interrupted(self, item):
        self.events.append(("interrupted", item))


def _batch(work, items=("a", "b", "c"), problems=0):
    return FileBatch(list(items), lambda item: Path(item), work, problems=problems)


def test_a_failed_file_is_one_line_and_the_batch_goes_on():
    def work(item, progress, cancel):
        progress(item)
        if item == "b":
            raise InputError("b.mp4: no video stream.")
        return item.upper()
    seen = Seen()
    report = run_files(_batch(work), seen)
    assert report.done == 2 and report.failed == [(Path("b"), "b.mp4: no video stream.")]
    assert ("failed", ("b", "b.mp4: no video stream.")) in seen.events
    assert ("finished", ("c", "C")) in seen.events
    assert report.exit_code == EXIT_FAILED
    assert report.summary("Converted") == "Converted 2 of 3; 1 failed."


def test_ctrl_c_ends_the_batch_with_130_and_sets_cancel():
    cancel = threading.Event()
    ran = []

    def work(item, progress, cancel_):
        ran.append(item)
        if item == "b":
            raise KeyboardInterrupt
        return item
    seen = Seen()
    report = run_files(_batch(work), seen, cancel=cancel)
    assert ran == ["a", "b"] and cancel.is_set()
    assert seen.events[-1] == ("interrupted", "b")
    assert report.interrupted and report.exit_code == EXIT_INTERRUPTED


def test_cancel_stops_before_the_next_file():
    cancel = threading.Event()

    def work(item, progress, cancel_):
        cancel_.set()  # e.g. the app's Cancel all
        return item
    report = run_files(_batch(work), Seen(), cancel=cancel)
    assert report.done == 1 and report.interrupted


def test_summary_and_exit_codes():
    assert BatchReport(total=1, done=1).summary("Converted") is None  # its own line says it
    assert BatchReport(total=1, done=1).exit_code == EXIT_OK
    with_problem = BatchReport(total=1, problems=1, done=1)
    assert with_problem.summary("Analysed") == "Analysed 1 of 2; 1 failed."
    assert with_problem.exit_code == EXIT_FAILED
