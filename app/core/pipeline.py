"""The conversion pipeline shared by the CLI and the GUI.

    decode -> pose (one landmarker per worker) -> join in order
           -> people (IDs, smoothing, filters) -> render on background -> encode

Pose workers each own a landmarker and process time chunks of the file
(`app/core/chunked_pose.py`): a chunk's pass runs past its end until the
next chunk's pass sees the same people, so a seam never loses or adds a
person. Person IDs and smoothing run after the join, over the whole video,
so they show no seam either.

Memory stays flat: frames live only inside a worker (a few decoded ahead),
pose results are small, and at most jobs + 1 chunks are in flight.
No source pixel reaches the renderer: it sees only pose results.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from app.analysis.analysis import AnalysisAccumulator, AnalysisSettings
from app.core.analysis_files import ReportPaths, open_report_outputs, write_report_files
from app.core.chunked_pose import ChunkedPose, plan_chunks
from app.core.background import BackgroundSpec, background_still, open_background
from app.core.errors import Cancelled, InputError, OutputError, PoseCloakError
from app.core.keypoints import KEYPOINT_SUFFIXES, open_keypoint_writer
from app.core.people import PeopleOptions, PeopleProcessor, make_pose_estimator
from app.core.pose import PoseOptions
from app.core.render import SkeletonRenderer, visible_mask
from app.core.style import RenderStyle
from app.core.types import Frame, PoseFrame

@dataclass(frozen=True)
class ConvertSettings:
    """Everything that decides what an output looks like (CLI and GUI alike)."""

    style: RenderStyle = field(default_factory=RenderStyle)
    background: BackgroundSpec = field(default_factory=BackgroundSpec)
    pose: PoseOptions = field(default_factory=PoseOptions)
    people: PeopleOptions = field(default_factory=PeopleOptions)
    keep_audio: bool = False  # voices identify people: audio only on request
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

    workers = ChunkedPose(job.source, info, pts, chunks, used_jobs,
                          lambda: make_pose_estimator(model_path, settings.pose, settings.people,
                                                      video=True), stop)
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
                if cancel.is_set():
                    raise Cancelled()
                for pose in people.push(replace(item, index=frames_in)):
                    emit(pose)
                frames_in += 1
            for pose in people.flush():
                emit(pose)
            corrupt = workers.corrupt_packets
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
