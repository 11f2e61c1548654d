"""The conversion pipeline shared by the CLI and the GUI.

    decode -> pose (one landmarker per worker) -> join in order
           -> people (IDs, smoothing, filters) -> render on background
           -> encode (on a thread of its own, in order)

Pose workers each own a landmarker and process time chunks of the file
(`app/engine/chunked_pose.py`): a chunk's pass runs past its end until the
next chunk's pass sees the same people, so a seam never loses or adds a
person. Scene cuts, found on the decoded frames, restart the landmarker and
are marked on the pose results. Person IDs and smoothing run after the
join, over the whole video, so they show no seam either, and no ID
crosses a cut.

Memory stays flat: frames live only inside a worker (a few decoded ahead),
pose results are small, and at most jobs + 1 chunks are in flight.
No source pixel reaches the renderer: it sees only pose results.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np

from app.analysis.analysis import AnalysisAccumulator
from app.base.errors import Cancelled, InputError
from app.base.files import file_sha256
from app.base.types import PoseFrame
from app.draw.render import SkeletonRenderer, visible_mask
from app.engine.analysis_files import (
    ReportPaths,
    open_report_outputs,
    write_report_files,
)
from app.engine.backgrounds import background_still, open_background
from app.engine.chunk_plan import plan_chunks
from app.engine.chunked_pose import ChunkedPose
from app.engine.estimators import open_estimator
from app.engine.jobs import ConvertJob, resolve_jobs, validate_job
from app.engine.results import ConvertResult, Progress, ProgressFn
from app.engine.serial_stage import SerialStage
from app.media.keypoints import open_keypoint_writer
from app.people.processor import PeopleProcessor
from app.people.standard_body import output_pose

FrameFn = Callable[[PoseFrame, np.ndarray | None], None]  # None: no video is drawn


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
    from app.base.formats import is_image_path
    validate_job(job)
    cancel = cancel or threading.Event()
    if is_image_path(job.source):
        return _convert_still(job, model_path, cancel)
    return _convert_video(job, model_path, progress, cancel, on_frame)


def _open_keypoint_outputs(stack: ExitStack, job: ConvertJob, meta: dict) -> list:
    from app.base.files import atomic_output
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


@dataclass
class _Tally:
    """What the frames emitted so far add up to (the encoding thread's own)."""

    frames: int = 0
    max_people: int = 0  # people with a valid landmark, the most in one frame
    without_people: int = 0  # frames where nobody has a valid landmark
    last_time_s: float = 0.0
    last_pts: int | None = None
    scene_cuts: int = 0

    def add(self, pose: PoseFrame, valid: np.ndarray) -> None:
        self.frames += 1
        self.scene_cuts += pose.scene_cut
        self.last_time_s, self.last_pts = pose.time_s, pose.pts
        found = int(np.count_nonzero(valid.any(axis=1))) if valid.size else 0
        self.max_people = max(self.max_people, found)
        self.without_people += found == 0


def _convert_video(job: ConvertJob, model_path: Path, progress: ProgressFn | None,
                   cancel: threading.Event, on_frame: FrameFn | None) -> ConvertResult:
    from app.base.files import atomic_output
    from app.media.encoder import VideoEncoder, even, output_format_for
    from app.media.video import end_pts, probe, scan_pts

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
    people = PeopleProcessor(settings.people, float(info.fps or 30), settings.min_confidence)
    report = _Throttle(progress)
    stop = threading.Event()
    tally = _Tally()
    frame_step = float(1 / info.fps) if info.fps else 0.0
    start_s = float(info.start_pts * info.time_base)  # the output keeps the source's start
    source_end = end_pts(job.source, info)  # (last pts, where it ends): the output ends there too
    out_w, out_h = even(info.width), even(info.height)  # H.264 yuv420p needs even sizes

    workers = ChunkedPose(job.source, info, pts, chunks, used_jobs,
                          lambda: open_estimator(model_path, settings.detection), stop)
    with ExitStack() as stack:
        encoder: VideoEncoder | None = None
        encoding: SerialStage | None = None
        if job.video:
            tmp = stack.enter_context(atomic_output(job.output, overwrite=job.overwrite))
            background = open_background(settings.background, out_w, out_h)
            stack.callback(background.close)
        writers = _open_keypoint_outputs(stack, job, dict(
            width=info.width, height=info.height, fps=float(info.fps or 0),
            frame_count=info.frame_count, include_face=settings.style.show_face,
            model_sha256=file_sha256(model_path), standard_body=settings.people.standard_body))
        report_tmp, analysis = _open_analysis(stack, job, float(info.fps or 0))
        if job.video:
            fmt = output_format_for(job.output)
            audio = job.source if settings.keep_audio and info.has_audio else None
            encoder = VideoEncoder(tmp, out_w, out_h, time_base=info.time_base, fps=info.fps,
                                   audio_source=audio,
                                   fmt=fmt)
            # The encoder on a thread of its own, fed in display order: it
            # encodes one picture while this thread draws the next. Once the
            # pose workers are done, what is left of the video is drawn and
            # encoded with nothing else running; in series that ran on one
            # core with the other idle.
            encoding = SerialStage("posecloak-encode", depth=4)

        def emit(pose: PoseFrame) -> None:
            if analysis is not None:  # on the real landmarks, whatever is shown
                analysis.add(pose, visible_mask(pose, settings.style))
            pose = output_pose(pose, settings)
            valid = visible_mask(pose, settings.style)  # drawn = exported as valid
            canvas = None
            if encoder is not None and encoding is not None:
                if fmt.alpha:
                    canvas = renderer.render_rgba(out_w, out_h, pose, valid)
                else:
                    # A background video starts with the output's first frame.
                    canvas = renderer.render(background.frame_at(pose.time_s - start_s), pose, valid)
                # A decoded video frame always has its pts (None is for stills).
                encoding.submit(partial(encoder.write, canvas, pose.pts))  # type: ignore[arg-type]
            for w in writers:
                w.write(pose, valid)
            tally.add(pose, valid)
            if on_frame is not None:
                on_frame(pose, canvas)
            report(Progress(tally.frames, info.frame_count, time.monotonic() - started))

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
            if cancel.is_set():
                raise Cancelled()
            if tally.frames == 0:
                raise InputError(f"{job.source.name}: no video frame could be decoded.")
            # The last frame keeps its own duration, unless the decoded video
            # stopped short of the file's last frame (a damaged tail).
            ends_at = (source_end[1] if source_end is not None and tally.last_pts == source_end[0]
                       else None)
            if encoder is not None and encoding is not None:
                encoding.close()
                encoder.close(ends_at)
            analyzed = _finish_analysis(writers, analysis, report_tmp)
        except BaseException:
            if encoder is not None and encoding is not None:
                encoding.close(raise_error=False)
                encoder.abort()
            raise
        finally:
            stop.set()
            workers.join()
    elapsed = time.monotonic() - started
    report(Progress(tally.frames, tally.frames, elapsed), force=True)
    return ConvertResult(source=job.source, output=job.output, keypoints=job.keypoints,
                         frames=tally.frames, duration_s=info.duration_s, elapsed_s=elapsed,
                         max_people=tally.max_people, corrupt_packets=workers.corrupt_packets,
                         audio=encoder is not None and encoder.has_audio, jobs=used_jobs,
                         video_end_s=(float(ends_at * info.time_base) if ends_at is not None
                                      else tally.last_time_s + frame_step),
                         analysis=analyzed, video_start_s=start_s,
                         frames_without_people=tally.without_people,
                         scene_cuts=tally.scene_cuts,
                         tiles_note=_tiles_note(settings, info.width, info.height),
                         ran_on=workers.ran_on)


def _tiles_note(settings, width: int, height: int) -> str | None:
    """Why 'auto' tiles did nothing on this picture size, when they were asked for."""
    from app.pose.tiles import auto_tiles_note
    return auto_tiles_note(width, height) if settings.detection.tiles == "auto" else None


def _convert_still(job: ConvertJob, model_path: Path, cancel: threading.Event) -> ConvertResult:
    from app.base.files import atomic_output
    from app.media.images import encode_image, read_image
    started = time.monotonic()
    settings = job.settings
    image = read_image(job.source)
    h, w = image.shape[:2]
    with open_estimator(model_path, settings.detection, video=False) as estimator:
        landmarks = estimator.detect(image)
        boxes = getattr(estimator, "boxes", None)  # the person detector's (PoseFrame.boxes)
        ran_on = estimator.ran_on  # while open: closing lets go of the landmarkers
    if cancel.is_set():
        raise Cancelled()
    processor = PeopleProcessor(settings.people, min_confidence=settings.min_confidence)
    pose = [*processor.push(PoseFrame(index=0, time_s=0.0, width=w, height=h,
                                      landmarks=landmarks, boxes=boxes)),
            *processor.flush()][0]
    real, pose = pose, output_pose(pose, settings)
    canvas = SkeletonRenderer(settings.style).render(
        background_still(settings.background, w, h), pose)
    data = encode_image(canvas, job.output.suffix)
    with ExitStack() as stack:
        writers = _open_keypoint_outputs(stack, job, dict(
            width=w, height=h, fps=0.0, frame_count=1, include_face=settings.style.show_face,
            model_sha256=file_sha256(model_path), standard_body=settings.people.standard_body))
        report_tmp, analysis = _open_analysis(stack, job, 0.0)
        valid = visible_mask(pose, settings.style)
        for writer in writers:
            writer.write(pose, valid)
        if analysis is not None:
            analysis.add(real, visible_mask(real, settings.style))
        analyzed = _finish_analysis(writers, analysis, report_tmp)
        if job.video:
            with atomic_output(job.output, overwrite=job.overwrite) as tmp:
                tmp.write_bytes(data)
    found = int(np.count_nonzero(valid.any(axis=1))) if valid.size else 0
    return ConvertResult(source=job.source, output=job.output, keypoints=job.keypoints, frames=1,
                         duration_s=0.0, elapsed_s=time.monotonic() - started,
                         max_people=found, corrupt_packets=0, audio=False, jobs=1,
                         analysis=analyzed, frames_without_people=int(found == 0), still=True,
                         tiles_note=_tiles_note(settings, w, h), ran_on=ran_on)


