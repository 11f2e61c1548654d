"""Short blocking calls (probing a file, loading the model, reading keypoints)
run on Qt's thread pool, with the result delivered on the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal


class _TaskSignals(QObject):
    done = Signal(object)
    failed = Signal(str)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], signals: _TaskSignals) -> None:
        super().__init__()
        self._fn, self._signals = fn, signals

    def run(self) -> None:  # pool thread
        from app.engine.messages import describe_error
        try:
            value = self._fn()
        except Exception as exc:  # noqa: BLE001 - every failure reaches the GUI as text
            self._signals.failed.emit(describe_error(exc))
        else:
            self._signals.done.emit(value)


_alive: set[_TaskSignals] = set()  # keeps signal objects until they have fired


def run_in_pool(fn: Callable[[], Any], on_done: Callable[[Any], None],
                on_failed: Callable[[str], None] | None = None) -> None:
    """Runs `fn()` on the global thread pool. Thread: GUI. The callbacks run
    on the GUI thread (queued), exactly one of them, once."""
    signals = _TaskSignals()
    _alive.add(signals)

    def finish(callback, value) -> None:
        _alive.discard(signals)
        if callback is not None:
            callback(value)

    queued = Qt.ConnectionType.QueuedConnection
    signals.done.connect(lambda value: finish(on_done, value), queued)
    signals.failed.connect(lambda message: finish(on_failed, message), queued)
    QThreadPool.globalInstance().start(_Task(fn, signals))

