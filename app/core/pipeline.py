"""The conversion pipeline shared by the CLI and the GUI.

    decode -> pose (one landmarker per worker) -> join in order
           -> people (IDs, smoothing, filters) -> render on background -> encode

Pose workers each own a landmarker and process time chunks of the file
(chunk i goes to worker i mod jobs, so each landmarker's timestamps still
rise). MediaPipe's internal tracking restarts where a worker jumps ahead;
each chunk therefore starts decoding a few frames early ("warm-up") and
throws those results away, so the landmarker has locked on by the chunk's
first emitted frame. Person IDs and smoothing run after the join, over the
whole video, so they show no seam either.

Memory stays flat: frames live only inside a worker (a few decoded ahead),
pose results are small, and at most jobs + 1 chunks are in flight.
No source pixel reaches the renderer: it sees only pose results.
"""

from __future__ import annotations

import math
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from app.analysis.analysis import AnalysisAccumulator, AnalysisSettings
from app.core.analysis_files import ReportPaths, open_report_outputs, write_report_files
from app.core.background import BackgroundSpec, background_still, open_background
from app.core.errors import Cancelled, InputError, OutputError, PoseCloakError
from app.core.keypoints import KEYPOINT_SUFFIXES, open_keypoint_writer
from app.core.people import PeopleOptions, PeopleProcessor, make_pose_estimator
from app.core.pose import PoseOptions
from app.core.render import SkeletonRenderer, visible_mask
from app.core.style import RenderStyle
from app.core.types import Frame, PoseFrame

WARMUP_FRAMES = 10
MIN_CHUNK_FRAMES = 90
MAX_CHUNK_FRAMES = 600


@dataclass(frozen=True)
class ConvertSettings:
    """Everything that decides what an output looks like (CLI and GUI alike)."""

    style: RenderStyle = field(default_factory=RenderStyle)
    background: BackgroundSpec = field(default_factory=BackgroundSpec)
    pose: PoseOptions = field(default_factory=PoseOptions)
    people: PeopleOptions = field(default_factory=PeopleOptions)
    keep_audio: bool = True
    jobs: int = 0  # pose workers; 0 = one per CPU core
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)  # report, JSON


@dataclass(frozen=True)
class ConvertJob:
    source: Path
    output: Path
    settings: ConvertSettings = field(default_factory=ConvertSettings)
    keypoints: tuple[Path, ...] = ()
    overwrite: bool = False
    report: ReportPaths | None = None  # the analysis report and its CSVs
    video: bool = True  # False: pose and analysis only, no video (`posecloak analyze`)

    def outputs(self) -> list[Path]:
        """Every file the job writes."""
        return ([self.output] if self.video else []) + [*self.keypoints, *(
            self.report.paths() if self.report else ())]


@dataclass(frozen=True)
class Progress:
    frames_done: int
    frames_total: int
    elapsed_s: float

    @property
    def fps(self) -> float:
        return self.frames_done / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def fraction(self) -> float:
        if self.frames_total <= 0:
            return 0.0
        return min(1.0, self.frames_done / self.frames_total)

    @property
    def eta_s(self) -> float | None:
        if self.frames_total <= 0 or self.fps <= 0:
            return None
        return max(0.0, (self.frames_total - self.frames_done) / self.fps)


@dataclass(frozen=True)
class ConvertResult:
    source: Path
    output: Path
    keypoints: tuple[Path, ...]
    frames: int
    duration_s: float
    elapsed_s: float
    max_people: int
    corrupt_packets: int
    audio: bool
    jobs: int
    video_end_s: float = 0.0  # where the last converted frame ends
    analysis: object = None  # app.analysis.analysis.Analysis, when one was made

    @property
    def fps(self) -> float:
        return self.frames / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def ends_early(self) -> bool:
        """True when the video stops well before the file's declared length:
        a file cut off mid-stream (the readable part is still converted)."""
        if self.duration_s <= 0 or self.frames == 0:
            return False
        step = self.video_end_s / self.frames
        return self.video_end_s < self.duration_s - max(0.5, 2 * step)

    def notes(self) -> list[str]:
        """What a user should know about a successful conversion."""
        out = []
        if self.corrupt_packets:
            out.append(f"{self.corrupt_packets} damaged packet(s) skipped")
        if self.ends_early:
            out.append(f"the video ends at {self.video_end_s:.1f} s of the file's "
                       f"{self.duration_s:.1f} s: the file looks truncated")
        return out


ProgressFn = Callable[[Progress], None]
FrameFn = Callable[[PoseFrame, np.ndarray], None]


def default_output_for(source: Path, out_dir: Path, video_suffix: str = ".mp4") -> Path:
    """`out_dir/NAME_skeleton.EXT`: .mp4 (or `video_suffix`, e.g. .webm for a
    transparent layer) for videos; .png, or .jpg for a JPEG, for stills."""
    from app.media.formats import is_image_path
    suffix = ".png" if is_image_path(source) else video_suffix
    if is_image_path(source) and source.suffix.lower() in (".jpg", ".jpeg"):
        suffix = ".jpg"
    return out_dir / f"{source.stem}_skeleton{suffix}"


def validate_job(job: ConvertJob) -> None:
    """Refuses jobs that would overwrite their input or write nonsense."""
    src, out = Path(job.source), Path(job.output)
    paths = job.outputs()
    for p in paths:
        same = p.resolve() == src.resolve()
        if not same and p.exists() and src.exists():
            try:
                same = os.path.samefile(p, src)
            except OSError:
                same = False
        if same:
            raise OutputError(f"{p.name}: the output would overwrite the input; choose another name.")
    if len({p.resolve() for p in paths}) != len(paths):
        raise OutputError("the video, keypoint and report outputs must be different files.")
    for k in job.keypoints:
        if k.suffix.lower() not in KEYPOINT_SUFFIXES:
            raise OutputError(f"{k.name}: keypoints must be saved as .json or .csv.")
    from app.media.formats import is_image_path
    if job.video and not is_image_path(src):
        from app.media.encoder import output_format_for
        if output_format_for(out).alpha and job.settings.background.path is not None:
            raise OutputError(f"{out.name}: a transparent .webm has no background; leave the "
                              "background image or video out, or write an .mp4.")


def resolve_jobs(jobs: int) -> int:
    return max(1, jobs if jobs > 0 else (os.cpu_count() or 1))


# --------------------------------------------------------------------------
# chunk planning


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


# --------------------------------------------------------------------------
# pose workers


class _ChunkDone:
    def __init__(self, corrupt: int) -> None:
        self.corrupt = corrupt


class _Failed:
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


def _prefetch(frames: Iterator[Frame], stop: threading.Event, depth: int = 4) -> Iterator[Frame]:
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
            _wait_put(q, _Failed(exc), local_stop)

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
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        local_stop.set()
        thread.join()
        close = getattr(frames, "close", None)
        if close is not None:
            close()


class _PoseWorkers:
    """Runs pose estimation over planned chunks on `jobs` threads."""

    def __init__(self, source: Path, info, pts: list[int] | None, chunks: list[Chunk],
                 jobs: int, model_path: Path, settings: ConvertSettings,
                 stop: threading.Event) -> None:
        self.source, self.info, self.pts, self.chunks = source, info, pts, chunks
        self.model_path, self.settings, self.stop = model_path, settings, stop
        self.queues = [queue.Queue() for _ in chunks]  # bounded by chunk length
        # Chunk c may start once c <= consumed + jobs: a window in chunk order,
        # so the chunk the joiner waits for can always start (a plain
        # semaphore could be taken entirely by later chunks: deadlock).
        self._jobs = jobs
        self._consumed = 0
        self._window = threading.Condition()
        self.threads = [threading.Thread(target=self._run, args=(w, jobs), daemon=True,
                                         name=f"posecloak-pose-{w}") for w in range(jobs)]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def chunk_done(self) -> None:
        with self._window:
            self._consumed += 1
            self._window.notify_all()

    def join(self) -> None:
        for t in self.threads:
            t.join()

    def _may_start(self, chunk: Chunk) -> bool:
        """Waits until `chunk` is inside the window; False when stopping."""
        with self._window:
            while chunk.number > self._consumed + self._jobs:
                if self.stop.is_set():
                    return False
                self._window.wait(timeout=0.1)
        return not self.stop.is_set()

    def _run(self, worker: int, jobs: int) -> None:
        from app.media.video import VideoReader
        mine = self.chunks[worker::jobs]
        estimator = None
        try:
            estimator = make_pose_estimator(self.model_path, self.settings.pose,
                                            self.settings.people, video=True)
            for chunk in mine:
                if not self._may_start(chunk):
                    return
                reader = VideoReader(self.source, self.info)
                if self.pts is None:
                    frames = reader.frames()
                else:
                    end_pts = self.pts[chunk.end] if chunk.end < len(self.pts) else None
                    frames = reader.frames(self.pts[chunk.warm], end_pts, chunk.warm)
                q = self.queues[chunk.number]
                for frame in _prefetch(frames, self.stop):
                    landmarks = estimator.detect(frame.image, round(frame.time_s * 1000))
                    if frame.index < chunk.first:
                        continue  # warm-up: let the landmarker lock on, emit nothing
                    q.put(PoseFrame(index=frame.index, time_s=frame.time_s,
                                    width=frame.width, height=frame.height,
                                    landmarks=landmarks, pts=frame.pts))
                    if self.stop.is_set():
                        return
                q.put(_ChunkDone(reader.corrupt_packets))
        except BaseException as exc:  # noqa: BLE001 - reported through the queue
            for chunk in mine:
                self.queues[chunk.number].put(_Failed(exc))
        finally:
            if estimator is not None:
                estimator.close()

    def results(self, cancel: threading.Event) -> Iterator[PoseFrame | _ChunkDone]:
        """Pose results in display order (to be called from one thread)."""
        for chunk in self.chunks:
            q = self.queues[chunk.number]
            while True:
                try:
                    item = q.get(timeout=0.1)
                except queue.Empty:
                    if cancel.is_set() or self.stop.is_set():
                        raise Cancelled() from None
                    continue
                if isinstance(item, _Failed):
                    raise item.error
                yield item
                if isinstance(item, _ChunkDone):
                    self.chunk_done()
                    break


# --------------------------------------------------------------------------
# conversion


class _Throttle:
    def __init__(self, fn: ProgressFn | None, interval: float = 0.1) -> None:
        self.fn, self.interval, self._last = fn, interval, 0.0

    def __call__(self, progress: Progress, force: bool = False) -> None:
        now = time.monotonic()
        if self.fn is not None and (force or now - self._last >= self.interval):
            self._last = now
            self.fn(progress)


def convert(job: ConvertJob, model_path: Path, *, progress: ProgressFn | None = None,
            cancel: threading.Event | None = None, on_frame: FrameFn | None = None) -> ConvertResult:
    """Converts one file; raises PoseCloakError subclasses with user messages.

    Thread: any (blocking); `progress` and `on_frame` are called on that
    thread. Set `cancel` to stop; then Cancelled is raised and no output
    file is left behind.
    """
    from app.media.formats import is_image_path
    validate_job(job)
    cancel = cancel or threading.Event()
    if is_image_path(job.source):
        return _convert_still(job, model_path, cancel)
    return _convert_video(job, model_path, progress, cancel, on_frame)


def _open_keypoint_outputs(stack: ExitStack, job: ConvertJob, meta: dict) -> list:
    from app.media.outputs import atomic_output
    writers = []
    for path in job.keypoints:
        tmp = stack.enter_context(atomic_output(path, overwrite=job.overwrite))
        stream = stack.enter_context(open(tmp, "w", encoding="utf-8", newline=""))
        writers.append(open_keypoint_writer(path, stream, **meta))
    return writers


def _open_analysis(stack: ExitStack, job: ConvertJob,
                   fps: float) -> tuple[ReportPaths | None, AnalysisAccumulator | None]:
    """The report's temporary files (if asked) and an accumulator fed with
    every emitted frame, when a report or a keypoint JSON (whose "analysis"
    it fills) is written."""
    report = open_report_outputs(stack, job.report, job.overwrite) if job.report else None
    wanted = report is not None or any(k.suffix.lower() == ".json" for k in job.keypoints)
    return report, AnalysisAccumulator(job.settings.analysis, fps) if wanted else None


def _finish_analysis(writers: list, analysis: AnalysisAccumulator | None,
                     report: ReportPaths | None):
    result = analysis.finish() if analysis is not None else None
    data = result.to_json() if result is not None else None
    for w in writers:
        w.close(data)
    if report is not None:
        write_report_files(report, result)
    return result


def _convert_video(job: ConvertJob, model_path: Path, progress: ProgressFn | None,
                   cancel: threading.Event, on_frame: FrameFn | None) -> ConvertResult:
    from app.media.encoder import VideoEncoder, even, output_format_for
    from app.media.outputs import atomic_output
    from app.media.video import probe, scan_pts

    started = time.monotonic()
    settings = job.settings
    info = probe(job.source)
    jobs = resolve_jobs(settings.jobs)
    pts: list[int] | None = None
    chunks = plan_chunks(info.frame_count, jobs)
    if len(chunks) > 1:
        pts = scan_pts(job.source)
        if len(pts) != info.frame_count:
            info = replace(info, frame_count=len(pts))
        chunks = plan_chunks(len(pts), jobs)
        if len(chunks) == 1:
            pts = None
    used_jobs = min(jobs, len(chunks))
    renderer = SkeletonRenderer(settings.style)
    people = PeopleProcessor(settings.people, float(info.fps or 30))
    report = _Throttle(progress)
    stop = threading.Event()
    frames = max_people = corrupt = 0
    last_time = 0.0
    frame_step = float(1 / info.fps) if info.fps else 0.0
    out_w, out_h = even(info.width), even(info.height)  # H.264 yuv420p needs even sizes

    workers = _PoseWorkers(job.source, info, pts, chunks, used_jobs, model_path, settings, stop)
    with ExitStack() as stack:
        encoder = canvas = None
        if job.video:
            tmp = stack.enter_context(atomic_output(job.output, overwrite=job.overwrite))
            background = open_background(settings.background, out_w, out_h)
            stack.callback(background.close)
        writers = _open_keypoint_outputs(stack, job, dict(
            width=info.width, height=info.height, fps=float(info.fps or 0),
            frame_count=info.frame_count, include_face=settings.style.show_face))
        report_tmp, analysis = _open_analysis(stack, job, float(info.fps or 0))
        if job.video:
            fmt = output_format_for(job.output)
            encoder = VideoEncoder(tmp, out_w, out_h, time_base=info.time_base, fps=info.fps,
                                   audio_source=job.source if settings.keep_audio and info.has_audio else None,
                                   fmt=fmt)

        def emit(pose: PoseFrame) -> None:
            nonlocal frames, max_people, last_time, canvas
            valid = visible_mask(pose, settings.style)  # drawn = exported as valid
            if encoder is not None:
                if fmt.alpha:
                    canvas = renderer.render_rgba(out_w, out_h, pose, valid)
                else:
                    canvas = renderer.render(background.frame_at(pose.time_s), pose, valid)
                encoder.write(canvas, pose.pts)
            for w in writers:
                w.write(pose, valid)
            if analysis is not None:
                analysis.add(pose, valid)
            frames += 1
            last_time = pose.time_s
            max_people = max(max_people, pose.people)
            if on_frame is not None:
                on_frame(pose, canvas)
            report(Progress(frames, info.frame_count, time.monotonic() - started))

        frames_in = 0
        workers.start()
        try:
            for item in workers.results(cancel):
                if isinstance(item, _ChunkDone):
                    corrupt += item.corrupt
                    continue
                if cancel.is_set():
                    raise Cancelled()
                for pose in people.push(replace(item, index=frames_in)):
                    emit(pose)
                frames_in += 1
            for pose in people.flush():
                emit(pose)
            if cancel.is_set():
                raise Cancelled()
            if frames == 0:
                raise InputError(f"{job.source.name}: no video frame could be decoded.")
            if encoder is not None:
                encoder.close()
            analyzed = _finish_analysis(writers, analysis, report_tmp)
        except BaseException:
            if encoder is not None:
                encoder.abort()
            raise
        finally:
            stop.set()
            workers.join()
    elapsed = time.monotonic() - started
    report(Progress(frames, frames, elapsed), force=True)
    return ConvertResult(job.source, job.output, job.keypoints, frames, info.duration_s, elapsed,
                         max_people, corrupt, bool(settings.keep_audio and info.has_audio),
                         used_jobs, last_time + frame_step, analyzed)


def _convert_still(job: ConvertJob, model_path: Path, cancel: threading.Event) -> ConvertResult:
    from app.media.images import encode_image, read_image
    from app.media.outputs import atomic_output
    started = time.monotonic()
    settings = job.settings
    image = read_image(job.source)
    h, w = image.shape[:2]
    with make_pose_estimator(model_path, settings.pose, settings.people, video=False) as estimator:
        landmarks = estimator.detect(image)
    if cancel.is_set():
        raise Cancelled()
    processor = PeopleProcessor(settings.people)
    pose = [*processor.push(PoseFrame(index=0, time_s=0.0, width=w, height=h,
                                      landmarks=landmarks)), *processor.flush()][0]
    canvas = SkeletonRenderer(settings.style).render(
        background_still(settings.background, w, h), pose)
    data = encode_image(canvas, job.output.suffix)
    with ExitStack() as stack:
        writers = _open_keypoint_outputs(stack, job, dict(
            width=w, height=h, fps=0.0, frame_count=1, include_face=settings.style.show_face))
        report_tmp, analysis = _open_analysis(stack, job, 0.0)
        valid = visible_mask(pose, settings.style)
        for writer in writers:
            writer.write(pose, valid)
        if analysis is not None:
            analysis.add(pose, valid)
        analyzed = _finish_analysis(writers, analysis, report_tmp)
        if job.video:
            with atomic_output(job.output, overwrite=job.overwrite) as tmp:
                tmp.write_bytes(data)
    return ConvertResult(job.source, job.output, job.keypoints, 1, 0.0,
                         time.monotonic() - started, pose.people, 0, False, 1, analysis=analyzed)


def describe_error(exc: BaseException) -> str:
    """One line for any failure: ours as they are, others summarised."""
    if isinstance(exc, PoseCloakError):
        return str(exc)
    if isinstance(exc, OSError):
        from app.media.outputs import describe_os_error
        return describe_os_error(exc, Path(getattr(exc, "filename", None) or "output"))
    return f"unexpected error: {type(exc).__name__}: {exc}"
