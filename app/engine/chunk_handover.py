"""The hand-over state between chunk passes: what each pass has found, and
which chunks are used or dropped (app/engine/chunked_pose.py runs the
passes on this).

Thread: every method is safe to call from any worker or the joiner.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.base.types import PoseFrame
from app.engine.chunk_plan import Chunk


@dataclass(frozen=True)
class PassResult:
    """One frame of output with the pass's damaged-packet count so far."""

    pose: PoseFrame
    corrupt: int


@dataclass(frozen=True)
class Handoff:
    """Ends a pass's output: the joiner goes on with chunk `next_chunk` from
    frame `resume_at`; chunks in between were run through and are dropped.
    `at_cut`: `resume_at` starts a new shot (both passes start afresh there,
    so no agreement was needed)."""

    next_chunk: int
    resume_at: int
    corrupt: int
    at_cut: bool = False


@dataclass(frozen=True)
class EndOfVideo:
    corrupt: int


class ChunkPass:
    """What the pass over one chunk has found: the joiner's queue, and the
    landmarks by frame for the previous chunk's pass to compare against.

    Thread: the owning worker publishes; the previous chunk's worker reads
    `landmarks_at`; the joiner reads `queue`.
    """

    def __init__(self, chunk: Chunk) -> None:
        self.chunk = chunk
        self.queue: queue.Queue = queue.Queue()  # bounded by the chunk's length
        self.abandoned = threading.Event()  # a previous pass ran through it
        self.claimed_by: int | None = None  # the chunk whose pass handed over to it
        self._cond = threading.Condition()
        self._landmarks: dict[int, np.ndarray] = {}
        self._reached = -1  # highest frame index published
        self._ended = False

    def publish(self, index: int, landmarks: np.ndarray) -> None:
        with self._cond:
            self._landmarks[index] = landmarks
            self._reached = max(self._reached, index)
            self._cond.notify_all()

    def end(self) -> None:
        with self._cond:
            self._ended = True
            self._cond.notify_all()

    def forget(self) -> None:
        """Drops what was kept once the joiner is past this chunk."""
        with self._cond:
            self._landmarks.clear()
        while True:
            try:
                self.queue.get_nowait()
            except queue.Empty:
                return

    def landmarks_at(self, index: int, give_up: Callable[[], bool]) -> np.ndarray | None:
        """This pass's landmarks for frame `index`, waiting for them; None if
        the pass ended without that frame or `give_up()` turns true."""
        with self._cond:
            while not self.abandoned.is_set():
                if index in self._landmarks:
                    return self._landmarks[index]
                if self._ended or self._reached > index or give_up():
                    return None
                self._cond.wait(timeout=0.1)
            return None


class Handovers:
    """Which chunks are used (handed over to) or dropped (run through), and
    which may start.

    Whether a chunk is used or dropped is decided under one lock. A pass
    that was itself dropped decides nothing more, and its hand-over no
    longer counts, so the passes the joiner reads (a chain of hand-overs
    from chunk 0) are never dropped and each ends with a marker.

    Chunk c may start once c <= consumed + jobs: a window in chunk order, so
    the chunk the joiner waits for can always start (a plain semaphore
    could be taken entirely by later chunks: deadlock).
    """

    def __init__(self, chunks: list[Chunk], jobs: int, stop: threading.Event) -> None:
        self.passes = [ChunkPass(c) for c in chunks]
        self._jobs = jobs
        self._stop = stop
        self._consumed = 0
        self._window = threading.Condition()
        self._decide = threading.Lock()

    def abandon(self, by: ChunkPass, number: int) -> bool:
        """Drops chunk `number` (pass `by` ran through it); False if `by` was
        dropped itself, so its results are no longer used."""
        with self._decide:
            target = self.passes[number]
            claimer = target.claimed_by
            if by.abandoned.is_set() or (
                    claimer is not None and not self.passes[claimer].abandoned.is_set()):
                return False
            target.abandoned.set()
            return True

    def abandon_up_to(self, by: ChunkPass, number: int) -> bool:
        """Drops the chunks between `by`'s and `number` (exclusive); False
        if `by` was dropped meanwhile."""
        for skipped in range(by.chunk.number + 1, number):
            if not self.passes[skipped].abandoned.is_set() and not self.abandon(by, skipped):
                return False
        return True

    def claim(self, by: ChunkPass, number: int) -> bool:
        """Marks chunk `number` as the one `by` hands over to; False if
        either was dropped."""
        with self._decide:
            target = self.passes[number]
            if by.abandoned.is_set() or target.abandoned.is_set():
                return False
            target.claimed_by = by.chunk.number
            return True

    def consumed_up_to(self, chunk_number: int) -> None:
        with self._window:
            self._consumed = max(self._consumed, chunk_number)
            self._window.notify_all()

    def may_start(self, chunk: Chunk) -> bool:
        """Waits until `chunk` is inside the window; False when stopping."""
        with self._window:
            while chunk.number > self._consumed + self._jobs:
                if self._stop.is_set():
                    return False
                self._window.wait(timeout=0.1)
        return not self._stop.is_set()
