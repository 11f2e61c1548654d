"""A stage of work on its own thread: calls run one at a time, in the order
they were submitted, so a producer (the live preview's landmarker) hands on
what follows it (drawing, recording, publishing) and goes straight on to
its next frame.

The queue is short (`depth`): a stage that falls behind makes `submit` wait
rather than piling up frames. An error raised by a call is kept and raised
again in the producer, by the next `submit` or by `close`; calls submitted
after it are dropped. Stopping is cooperative: `close` runs what is queued,
then ends the thread and joins it, so no thread is left behind.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

_END = object()
_POLL_S = 0.1


class StageFailed(RuntimeError):
    """The stage's thread is gone (it failed outside any submitted call)."""


class SerialStage:
    """Thread: `submit` and `close` from one producer thread; the calls run
    on the stage's own thread."""

    def __init__(self, name: str, depth: int = 2) -> None:
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, call: Callable[[], None]) -> None:
        """Queues `call`; waits while `depth` calls are queued already.
        Raises the error of an earlier call, if one failed."""
        self._raise_error()
        self._put(call)

    def close(self, *, raise_error: bool = True) -> None:
        """Runs the queued calls, ends the thread and joins it; then raises
        a call's error unless `raise_error` is False (the producer is
        already failing with an error of its own)."""
        if self._thread.is_alive():
            self._put(_END)
            self._thread.join()
        if raise_error:
            self._raise_error()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _put(self, item: object) -> None:
        while True:
            try:
                self._queue.put(item, timeout=_POLL_S)
                return
            except queue.Full:
                if not self._thread.is_alive():
                    raise StageFailed("the stage's thread ended unexpectedly") from None

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        while True:
            call = self._queue.get()
            if call is _END:
                return
            if self._error is not None:
                continue  # after a failure, the rest is dropped
            try:
                call()
            except BaseException as exc:  # noqa: BLE001 - handed to the producer
                self._error = exc
