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


def prefetch(frames: Iterator[Frame], stop: threading.Event, depth: int = 4) -> Iterator[Frame]:
    """Decodes on a helper thread, `depth` frames ahead, so decoding overlaps
    inference; stops when `stop` is set or the consumer goes away."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    end = object()
    local_stop = threading.Event()

    def run() -> None:
        try:
            for frame in frames:
                if not _wait_put(q, frame, local_stop) or stop.is_set():
                    return
            _wait_put(q, end, local_stop)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            _wait_put(q, Failed(exc), local_stop)

    thread = threading.Thread(target=run, name="posecloak-decode", daemon=True)
    thread.start()
    try:
        while True:
            try:
                item = q.get(timeout=0.1)
            except queue.Empty:
                if stop.is_set():
                    return
                continue
            if item is end:
                return
            if isinstance(item, Failed):
                raise item.error
            yield item
    finally:
        local_stop.set()
        thread.join()
        close = getattr(frames, "close", None)
        if close is not None:
            close()
