"""Pose estimation of one video on several workers, joined without seams.

The video is cut into time chunks; chunk i goes to worker i mod jobs, and
each worker's landmarker sees its chunks in time order. MediaPipe tracks
people from frame to frame, so a landmarker starting in the middle of a
video starts blind: a small, distant person may take it many frames to
find. Two things keep that from showing in the output:

- **Warm-up.** Each chunk's pass starts a few frames early and keeps those
  results out of the output, so by the chunk's first frame it has usually
  locked on.
- **Seams chosen where both passes agree.** A chunk's pass does not stop at
  its chunk's end: it keeps going, frame by frame, and compares what it
  finds with what the next chunk's pass found for the same frame. Only when
  both see the same people at the same places for `AGREEMENT_FRAMES` frames
  in a row does it hand over; until then its own results (continuous with
  everything before) are the output. If the next pass never agrees over its
  whole chunk, that chunk's results are thrown away and the pass goes on
  into the chunk after (or simply continues into its own next chunk), so in
  the worst case the result is what one worker would have found.

A seam therefore never drops or adds a person that an unbroken pass would
show; the cost is the frames decoded twice while the passes disagree
(`bench/seams.py` prints both). Results reach the joiner in display order.
"""

from __future__ import annotations

import bisect
import math
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.base.errors import Cancelled
from app.base.types import Frame, PoseFrame
from app.engine.prefetch import Failed, prefetch
from app.people.seams import same_people

WARMUP_FRAMES = 10
MIN_CHUNK_FRAMES = 90
MAX_CHUNK_FRAMES = 600
AGREEMENT_FRAMES = 3
# When a pass restarts earlier in time than its landmarker has already been,
# its clock moves on by this much so MediaPipe's timestamps keep rising.
_RESTART_GAP_MS = 1000


@dataclass(frozen=True)
class Chunk:
    """Frames [first, end) of the file by display index; decoding starts at
    `warm` (<= first) so the landmarker is tracking by `first`."""

    number: int
    warm: int
    first: int
    end: int


def plan_chunks(frame_count: int, jobs: int, *, max_chunk: int = MAX_CHUNK_FRAMES,
                min_chunk: int = MIN_CHUNK_FRAMES, warmup: int = WARMUP_FRAMES) -> list[Chunk]:
    """Splits a video into time chunks for `jobs` workers, balanced, bounded."""
    if jobs <= 1 or frame_count < 2 * min_chunk:
        return [Chunk(0, 0, 0, max(frame_count, 0))]
    jobs = min(jobs, frame_count // min_chunk)
    n = jobs * max(1, math.ceil(frame_count / (jobs * max_chunk)))
    bounds = [round(i * frame_count / n) for i in range(n + 1)]
    return [Chunk(i, max(0, bounds[i] - warmup), bounds[i], bounds[i + 1]) for i in range(n)]


@dataclass(frozen=True)
class PassResult:
    """One frame of output with the pass's damaged-packet count so far."""

    pose: PoseFrame
    corrupt: int


@dataclass(frozen=True)
class Handoff:
    """Ends a pass's output: the joiner goes on with chunk `next_chunk` from
    frame `resume_at`; chunks in between were run through and are dropped."""

    next_chunk: int
    resume_at: int
    corrupt: int


@dataclass(frozen=True)
class EndOfVideo:
    corrupt: int


class _ChunkPass:
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


class _Clock:
    """MediaPipe timestamps for one landmarker: the frames' own times, moved
    on when a new pass starts earlier than the last frame it saw."""

    def __init__(self) -> None:
        self._offset = 0
        self._last = -1

    def stamp(self, time_s: float, restart: bool = False) -> int:
        ms = round(time_s * 1000) + self._offset
        if restart and ms <= self._last:
            self._offset += self._last + _RESTART_GAP_MS - ms
            ms = self._last + _RESTART_GAP_MS
        self._last = max(self._last, ms)
        return ms


EstimatorFactory = Callable[[], object]  # -> an object with detect(rgb, ms) and close()


class ChunkedPose:
    """Runs pose estimation over planned chunks on `jobs` threads and hands
    the results over in display order (see the module docstring)."""

    def __init__(self, source: Path, info, pts: list[int] | None, chunks: list[Chunk],
                 jobs: int, make_estimator: EstimatorFactory, stop: threading.Event, *,
                 agreement_frames: int = AGREEMENT_FRAMES) -> None:
        self.source, self.info, self.pts, self.chunks = source, info, pts, chunks
        self.make_estimator, self.stop = make_estimator, stop
        # 0 hands over at the chunk's end whatever the next pass found (the
        # plain warm-up; bench/seams.py compares it with the seam search).
        self.agreement_frames = agreement_frames
        self.detections = [0] * jobs  # frames each worker ran the model on
        self.passes = [_ChunkPass(c) for c in chunks]
        self._ends = [c.end for c in chunks]
        self._jobs = jobs
        # Chunk c may start once c <= consumed + jobs: a window in chunk order,
        # so the chunk the joiner waits for can always start (a plain
        # semaphore could be taken entirely by later chunks: deadlock).
        self._consumed = 0
        self._window = threading.Condition()
        # Whether a chunk is used (handed over to) or dropped (run through) is
        # decided under one lock. A pass that was itself dropped decides
        # nothing more, and its hand-over no longer counts, so the passes the
        # joiner reads (a chain of hand-overs from chunk 0) are never dropped
        # and each ends with a marker.
        self._decide = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(w,), daemon=True,
                                         name=f"posecloak-pose-{w}") for w in range(jobs)]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def join(self) -> None:
        for t in self.threads:
            t.join()

    def _owner(self, chunk_number: int) -> int:
        return chunk_number % self._jobs

    def _chunk_at(self, index: int) -> int:
        return min(bisect.bisect_right(self._ends, index), len(self.chunks) - 1)

    def _abandon(self, by: _ChunkPass, number: int) -> bool:
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

    def _claim(self, by: _ChunkPass, number: int) -> bool:
        """Marks chunk `number` as the one `by` hands over to; False if
        either was dropped."""
        with self._decide:
            target = self.passes[number]
            if by.abandoned.is_set() or target.abandoned.is_set():
                return False
            target.claimed_by = by.chunk.number
            return True

    def _consumed_up_to(self, chunk_number: int) -> None:
        with self._window:
            self._consumed = max(self._consumed, chunk_number)
            self._window.notify_all()

    def _may_start(self, chunk: Chunk) -> bool:
        """Waits until `chunk` is inside the window; False when stopping."""
        with self._window:
            while chunk.number > self._consumed + self._jobs:
                if self.stop.is_set():
                    return False
                self._window.wait(timeout=0.1)
        return not self.stop.is_set()

    # -- workers ------------------------------------------------------------

    def _run(self, worker: int) -> None:
        mine = [c for c in self.chunks if self._owner(c.number) == worker]
        estimator = None
        done: set[int] = set()
        try:
            estimator = self.make_estimator()
            clock = _Clock()
            for chunk in mine:
                if chunk.number in done:
                    continue  # a pass of ours already ran on into it
                run = self.passes[chunk.number]
                if run.abandoned.is_set():
                    run.end()
                    continue
                if not self._may_start(chunk):
                    return
                done |= self._pass(chunk, estimator, clock, worker)
        except BaseException as exc:  # noqa: BLE001 - reported through the queues
            for chunk in mine:
                self.passes[chunk.number].queue.put(Failed(exc))
                self.passes[chunk.number].end()
        finally:
            if estimator is not None:
                estimator.close()

    def _frames(self, chunk: Chunk, reader) -> Iterator[Frame]:
        if self.pts is None:
            return reader.frames()
        return reader.frames(self.pts[chunk.warm], None, chunk.warm)

    def _pass(self, chunk: Chunk, estimator, clock: _Clock, worker: int) -> set[int]:
        """One landmarker pass from `chunk`'s warm-up on, until it hands over
        (or the video ends). Returns the chunks of ours it continued into."""
        from app.media.video import VideoReader
        reader = VideoReader(self.source, self.info)
        current = self.passes[chunk.number]
        continued: set[int] = set()
        agreeing = 0
        restart = True
        ended = False  # a Handoff or EndOfVideo was queued

        def gone() -> bool:
            return self.stop.is_set() or current.abandoned.is_set()

        try:
            for frame in prefetch(self._frames(chunk, reader), self.stop):
                if gone():
                    return continued
                f = frame.index
                landmarks = estimator.detect(frame.image, clock.stamp(frame.time_s, restart))
                self.detections[worker] += 1
                restart = False
                pose = PoseFrame(index=f, time_s=frame.time_s, width=frame.width,
                                 height=frame.height, landmarks=landmarks, pts=frame.pts)
                n = self._chunk_at(f)
                if f < current.chunk.end or n <= current.chunk.number:
                    current.publish(f, landmarks)  # warm-up or our own chunk
                    current.queue.put(PassResult(pose, reader.corrupt_packets))
                    continue
                for skipped in range(current.chunk.number + 1, n):
                    if not self.passes[skipped].abandoned.is_set() and not self._abandon(
                            current, skipped):
                        return continued  # this pass was dropped meanwhile
                if self._owner(n) == worker:
                    # Our own next chunk: this pass simply goes on as its pass.
                    if not self._claim(current, n):
                        return continued
                    current.queue.put(Handoff(n, f, reader.corrupt_packets))
                    current.end()
                    current = self.passes[n]
                    continued.add(n)
                    agreeing = 0
                    current.publish(f, landmarks)
                    current.queue.put(PassResult(pose, reader.corrupt_packets))
                    continue
                theirs = self.passes[n].landmarks_at(f, gone)
                current.queue.put(PassResult(pose, reader.corrupt_packets))
                agreeing = agreeing + 1 if theirs is not None and same_people(
                    landmarks, theirs) else 0
                if agreeing >= self.agreement_frames and self._claim(current, n):
                    current.queue.put(Handoff(n, f + 1, reader.corrupt_packets))
                    ended = True
                    return continued
            if not gone():
                current.queue.put(EndOfVideo(reader.corrupt_packets))
                ended = True
            return continued
        except BaseException:
            ended = True  # _run reports the error to every chunk of ours
            raise
        finally:
            if not ended and not gone():
                # Cannot happen by the rules above; if it did, the joiner
                # would wait for this pass forever: make it an error instead.
                current.queue.put(Failed(RuntimeError(
                    f"pose pass of chunk {current.chunk.number} ended without a hand-over")))
            current.end()

    # -- joiner -------------------------------------------------------------

    def _items(self, run: _ChunkPass, cancel: threading.Event):
        while True:
            try:
                item = run.queue.get(timeout=0.1)
            except queue.Empty:
                if cancel.is_set() or self.stop.is_set():
                    raise Cancelled() from None
                continue
            if isinstance(item, Failed):
                raise item.error
            yield item

    def results(self, cancel: threading.Event) -> Iterator[PoseFrame]:
        """Pose results in display order, each frame once (to be called from
        one thread). `corrupt_packets` counts damaged packets once each."""
        self.corrupt_packets = 0
        number, resume_at = 0, 0
        while True:
            run = self.passes[number]
            base = 0
            for item in self._items(run, cancel):
                if isinstance(item, PassResult):
                    if item.pose.index < resume_at:
                        base = item.corrupt  # counted by the pass before
                        continue
                    yield item.pose
                    continue
                self.corrupt_packets += item.corrupt - base
                break
            run.forget()
            if isinstance(item, EndOfVideo):
                self._consumed_up_to(len(self.chunks))
                return
            for skipped in range(number + 1, item.next_chunk):
                self.passes[skipped].forget()
            number, resume_at = item.next_chunk, item.resume_at
            self._consumed_up_to(number)
