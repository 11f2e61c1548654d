"""A batch as the CLI shows it (app/engine/batch.py runs it): a progress
bar per file on stderr, the file's lines on stdout, one error line per
failed file, and at the end the summary and the exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from app.cli.progress import ProgressBar
from app.engine.batch import EXIT_INTERRUPTED, BatchReport
from app.engine.results import ProgressFn


def error_line(message: str) -> None:
    print(f"posecloak: error: {message}", file=sys.stderr)


class BarView:
    """Thread: the one running the batch. `show(item, value)` prints a
    finished file's lines; `bar_for(item)` says whether it gets a bar."""

    def __init__(self, *, quiet: bool, name_of: Callable[[Any], str],
                 show: Callable[[Any, Any], None], removed: str,
                 bar_for: Callable[[Any], bool] = lambda _item: True,
                 result_of: Callable[[Any], Any] = lambda value: value) -> None:
        self._quiet, self._name_of, self._show = quiet, name_of, show
        self._bar_for, self._result_of = bar_for, result_of
        self._removed = removed  # "output was" / "outputs were": what Ctrl+C removed
        self._bar: ProgressBar | None = None

    def started(self, index: int, total: int, item: Any) -> ProgressFn:
        name = self._name_of(item)
        label = f"[{index}/{total}] {name}" if total > 1 else name
        self._bar = ProgressBar(label, sys.stderr, enabled=not self._quiet and self._bar_for(item))
        return self._bar.update

    def _end(self, result: Any) -> None:
        if self._bar is not None:
            self._bar.finish(result)
            self._bar = None

    def finished(self, item: Any, value: Any) -> None:
        self._end(self._result_of(value))
        self._show(item, value)

    def failed(self, item: Any, message: str) -> None:
        self._end(None)
        error_line(message)

    def interrupted(self, item: Any) -> None:
        self._end(None)
        print(f"posecloak: interrupted; the unfinished {self._removed} removed.", file=sys.stderr)


def exit_after(report: BatchReport, verb: str) -> int:
    """Prints the batch's summary ("Converted 2 of 3; 1 failed.") unless
    Ctrl+C ended it, and returns its exit code."""
    if report.interrupted:
        return EXIT_INTERRUPTED
    summary = report.summary(verb)
    if summary is not None:
        print(summary, file=sys.stderr)
    return report.exit_code
