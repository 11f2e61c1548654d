"""Pose estimation of one video on several workers, joined without seams.

The video is cut into time chunks (app/engine/chunk_plan.py); chunk i goes
to worker i mod jobs, and each worker runs a pass per chunk, in time order.
MediaPipe tracks people from frame to frame, so a pass starting in the
middle of a video starts blind: a small, distant person may take it many
frames to find. Two things keep that from showing in the output:

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

**Scene cuts** (app/people/scene_cuts.py, tested on each decoded frame
before it goes to the model) restart the landmarker, since what it tracked
belongs to another shot (app/engine/shot_estimator.py), and mark the frame
(`PoseFrame.scene_cut`) so the tracker gives no ID across it. Every pass
starts with a fresh landmarker too, so after a cut two passes over the same
frames find the same people: a pass that reaches a cut past its chunk's end
hands over there at once, without an agreement search.

A seam therefore never drops or adds a person that an unbroken pass would
show; the cost is the frames decoded twice while the passes disagree
(`bench/seams.py` prints both). Results reach the joiner in display order.
"""

from __future__ import annotations

import bisect
import queue
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from app.base.errors import Cancelled
from app.base.types import Frame, PoseFrame
from app.engine.chunk_handover import ChunkPass, EndOfVideo, Handoff, Handovers, PassResult
from app.engine.chunk_plan import (  # noqa: F401 - the chunk plan's names, used from here
    MAX_CHUNK_FRAMES,
    MIN_CHUNK_FRAMES,
    WARMUP_FRAMES,
    Chunk,
    plan_chunks,
)
from app.engine.prefetch import Failed, prefetch
from app.engine.shot_estimator import EstimatorFactory, ShotEstimator
from app.people.seams import same_people
from app.pose.devices import RanOn, ran_on_all

AGREEMENT_FRAMES = 3


class ChunkedPose:
    """Runs pose estimation over planned chunks on `jobs` threads and hands
    the results over in display order (see the module docstring)."""

    def __init__(self, source: Path, info, pts: list[int] | None, chunks: list[Chunk],
                 jobs: int, make_estimator: EstimatorFactory, stop: threading.Event, *,
                 agreement_frames: int = AGREEMENT_FRAMES) -> None:
        self.source, self.info, self.pts, self.chunks = source, info, pts, chunks
        self.stop = stop
        # 0 hands over at the chunk's end whatever the next pass found (the
        # plain warm-up; bench/seams.py compares it with the seam search).
        self.agreement_frames = agreement_frames
        self.detections = [0] * jobs  # frames each worker ran the model on
        # Worker w's landmarker of the moment (made on its thread, fresh per
        # pass and cut); kept here so what they ran on can be read after join.
        self.shots = [ShotEstimator(make_estimator) for _ in range(jobs)]
        self.handovers = Handovers(chunks, jobs, stop)
        self.passes = self.handovers.passes
        self._ends = [c.end for c in chunks]
        self._jobs = jobs
        self.threads = [threading.Thread(target=self._run, args=(w,), daemon=True,
                                         name=f"posecloak-pose-{w}") for w in range(jobs)]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def join(self) -> None:
        for t in self.threads:
            t.join()

    @property
    def landmarkers(self) -> list[int]:
        """Landmarkers each worker made (passes + cuts)."""
        return [shots.landmarkers for shots in self.shots]

    @property
    def ran_on(self) -> RanOn:
        """What every worker's landmarkers ran on. Thread: after `join`."""
        return ran_on_all(self.shots)

    def _owner(self, chunk_number: int) -> int:
        return chunk_number % self._jobs

    def _chunk_at(self, index: int) -> int:
        return min(bisect.bisect_right(self._ends, index), len(self.chunks) - 1)

    # -- workers ------------------------------------------------------------

    def _run(self, worker: int) -> None:
        mine = [c for c in self.chunks if self._owner(c.number) == worker]
        shots = self.shots[worker]
        done: set[int] = set()
        try:
            for chunk in mine:
                if chunk.number in done:
                    continue  # a pass of ours already ran on into it
                run = self.passes[chunk.number]
                if run.abandoned.is_set():
                    run.end()
                    continue
                if not self.handovers.may_start(chunk):
                    return
                shots.restart()  # every pass starts afresh (see the module docstring)
                done |= self._pass(chunk, shots, worker)
        except BaseException as exc:  # noqa: BLE001 - reported through the queues
            for chunk in mine:
                self.passes[chunk.number].queue.put(Failed(exc))
                self.passes[chunk.number].end()
        finally:
            shots.close()

    def _frames(self, chunk: Chunk, reader) -> Iterator[Frame]:
        if self.pts is None:
            return reader.frames()
        return reader.frames(self.pts[chunk.warm], None, chunk.warm)

    def _pass(self, chunk: Chunk, shots: ShotEstimator, worker: int) -> set[int]:
        """One landmarker pass from `chunk`'s warm-up on, until it hands over
        (or the video ends). Returns the chunks of ours it continued into."""
        from app.media.video import VideoReader
        reader = VideoReader(self.source, self.info)
        current = self.passes[chunk.number]
        continued: set[int] = set()
        agreeing = 0
        ended = False  # a Handoff or EndOfVideo was queued

        def gone() -> bool:
            return self.stop.is_set() or current.abandoned.is_set()

        try:
            with prefetch(self._frames(chunk, reader), self.stop) as frames:
                # The landmarker loads (a few tenths of a second) while the
                # decoder seeks to the chunk, not after.
                shots.ready()
                for frame in frames:
                    if gone():
                        return continued
                    f = frame.index
                    cut = shots.new_shot(frame.image)
                    n = self._chunk_at(f)
                    past_end = f >= current.chunk.end and n > current.chunk.number
                    if past_end and cut and self._owner(n) != worker:
                        # A seam at a cut: chunk n's pass restarted here too.
                        if not self.handovers.abandon_up_to(current, n):
                            return continued  # this pass was dropped meanwhile
                        if self.handovers.claim(current, n):
                            current.queue.put(Handoff(n, f, reader.corrupt_packets, at_cut=True))
                            ended = True
                            return continued
                        # Chunk n was dropped by a pass we ran through: go on.
                    landmarks = shots.detect(frame.image, round(frame.time_s * 1000))
                    self.detections[worker] += 1
                    pose = PoseFrame(index=f, time_s=frame.time_s, width=frame.width,
                                     height=frame.height, landmarks=landmarks, pts=frame.pts,
                                     scene_cut=cut, boxes=shots.boxes)
                    if not past_end:
                        current.publish(f, landmarks)  # warm-up or our own chunk
                        current.queue.put(PassResult(pose, reader.corrupt_packets))
                        continue
                    if not self.handovers.abandon_up_to(current, n):
                        return continued  # this pass was dropped meanwhile
                    if self._owner(n) == worker:
                        # Our own next chunk: this pass simply goes on as its pass.
                        if not self.handovers.claim(current, n):
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
                    if agreeing >= self.agreement_frames and self.handovers.claim(current, n):
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

    def _items(self, run: ChunkPass, cancel: threading.Event):
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
        number, resume_at, cut_at = 0, 0, -1
        while True:
            run = self.passes[number]
            base = 0
            for item in self._items(run, cancel):
                if isinstance(item, PassResult):
                    if item.pose.index < resume_at:
                        base = item.corrupt  # counted by the pass before
                        continue
                    pose = item.pose
                    if pose.index == cut_at and not pose.scene_cut:
                        # The pass before saw the cut; this one started on it.
                        pose = replace(pose, scene_cut=True)
                    yield pose
                    continue
                self.corrupt_packets += item.corrupt - base
                break
            run.forget()
            if isinstance(item, EndOfVideo):
                self.handovers.consumed_up_to(len(self.chunks))
                return
            for skipped in range(number + 1, item.next_chunk):
                self.passes[skipped].forget()
            number, resume_at = item.next_chunk, item.resume_at
            cut_at = item.resume_at if item.at_cut else -1
            self.handovers.consumed_up_to(number)
