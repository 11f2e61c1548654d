"""Decoding ahead on a helper thread, so decoding overlaps inference."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

from app.base.types import Frame


class Failed:
    """An error raised on one thread, carried through a queue to another."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


def _wait_put(q: queue.Queue, item, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            q.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


class prefetch:  # noqa: N801 - used like the generator function it was
    """Decodes on a helper thread, `depth` frames ahead, so decoding overlaps
    inference. The thread starts at once, so a seek to a chunk's start runs
    while the caller loads its landmarker. Iterate it on one thread; it ends
    when `stop` is set. Use it as a context manager (or call `close`): that
    stops the helper thread and closes `frames`.
    """

    def __init__(self, frames: Iterator[Frame], stop: threading.Event, depth: int = 4) -> None:
        self._frames, self._stop = frames, stop
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._end = object()
        self._local_stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="posecloak-decode", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        q, local_stop = self._queue, self._local_stop
        try:
            for frame in self._frames:
                if not _wait_put(q, frame, local_stop) or self._stop.is_set():
                    return
            _wait_put(q, self._end, local_stop)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            _wait_put(q, Failed(exc), local_stop)

    def __iter__(self) -> Iterator[Frame]:
        while True:
            try:
                item = self._queue.get(timeout=0.1)
            except queue.Empty:
                if self._stop.is_set():
                    return
                continue
            if item is self._end:
                return
            if isinstance(item, Failed):
                raise item.error
            yield item

    def close(self) -> None:
        self._local_stop.set()
        self._thread.join()
        close = getattr(self._frames, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> prefetch:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
