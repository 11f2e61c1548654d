"""One batch of files, the same for every front end: each file in turn with
its progress, a cooperative cancel, Ctrl+C ending the batch (the unfinished
file's outputs are atomic, so they are removed on the way out), one line per
failed file, a summary and the exit code.

`run_files` runs the files one after another on the calling thread (convert
and analyze); a batch that runs elsewhere (the cluster) fills a
`BatchReport` from its own outcomes, so the lines, the summary and the exit
code are the same.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from app.engine.messages import describe_error
from app.engine.results import ProgressFn

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

Item = TypeVar("Item")
Value = TypeVar("Value")
Item_in = TypeVar("Item_in", contravariant=True)
Value_in = TypeVar("Value_in", contravariant=True)


@dataclass
class BatchReport:
    """What a batch did: files done, failures (file, one line each), input
    problems found before it started, and whether Ctrl+C ended it."""

    total: int  # files the batch was given
    problems: int = 0  # inputs refused before the batch (each already reported)
    done: int = 0
    failed: list[tuple[Path, str]] = field(default_factory=list)
    interrupted: bool = False

    def summary(self, verb: str) -> str | None:
        """"Converted 2 of 3; 1 failed." for a batch of several files or one
        with problems; None for a single file (its line says it all)."""
        if self.total <= 1 and not self.problems:
            return None
        total = self.total + self.problems
        return f"{verb} {self.done} of {total}; {total - self.done} failed."

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_FAILED if self.failed or self.problems else EXIT_OK


class BatchListener(Protocol[Item_in, Value_in]):
    """What a front end shows of a batch run by `run_files`. Thread: the
    one that calls `run_files`."""

    def started(self, index: int, total: int, item: Item_in) -> ProgressFn:
        """File `index` (1-based) begins; returns its progress callback."""
        ...

    def finished(self, item: Item_in, value: Value_in) -> None:
        """The file is done with `value`."""
        ...

    def failed(self, item: Item_in, message: str) -> None:
        """The file failed; `message` is its one line."""
        ...

    def interrupted(self, item: Item_in) -> None:
        """Ctrl+C during the file: the batch ends (its outputs are removed)."""
        ...


@dataclass
class FileBatch(Generic[Item, Value]):
    """The files of a batch and what to do with each: `work(item, progress,
    cancel)` returns the file's value or raises (any exception fails that
    file only; KeyboardInterrupt ends the batch)."""

    items: Sequence[Item]
    source_of: Callable[[Item], Path]
    work: Callable[[Item, ProgressFn, threading.Event], Value]
    problems: int = 0


def run_files(batch: FileBatch[Item, Value], listener: BatchListener[Item, Value], *,
              cancel: threading.Event | None = None) -> BatchReport:
    """Runs the batch's files in order on the calling thread. Setting
    `cancel` stops it between files (and the running file, where its work
    checks the event); Ctrl+C does the same and marks the report
    interrupted."""
    cancel = cancel or threading.Event()
    report = BatchReport(total=len(batch.items), problems=batch.problems)
    for n, item in enumerate(batch.items, 1):
        if cancel.is_set():
            report.interrupted = True
            break
        progress = listener.started(n, len(batch.items), item)
        try:
            value = batch.work(item, progress, cancel)
        except KeyboardInterrupt:
            cancel.set()
            report.interrupted = True
            listener.interrupted(item)
            break
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the batch
            message = describe_error(exc)
            report.failed.append((batch.source_of(item), message))
            listener.failed(item, message)
            continue
        report.done += 1
        listener.finished(item, value)
    return report
