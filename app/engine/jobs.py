"""Conversion jobs: what to convert into which files, checked before any
work, and the planning the CLI and the app share (which files a folder or
glob names, where each output goes)."""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from pathlib import Path

from app.base.errors import OutputError
from app.base.settings import SkeletonSettings
from app.engine.analysis_files import ReportPaths
from app.media.keypoints import KEYPOINT_SUFFIXES


@dataclass(frozen=True)
class ConvertJob:
    source: Path
    output: Path
    settings: SkeletonSettings = field(default_factory=SkeletonSettings)
    keypoints: tuple[Path, ...] = ()
    overwrite: bool = False
    report: ReportPaths | None = None  # the analysis report and its CSVs
    video: bool = True  # False: pose and analysis only, no video (`posecloak analyze`)

    def outputs(self) -> list[Path]:
        """Every file the job writes."""
        return ([self.output] if self.video else []) + [*self.keypoints, *(
            self.report.paths() if self.report else ())]


def default_output_for(source: Path, out_dir: Path, video_suffix: str = ".mp4") -> Path:
    """`out_dir/NAME_skeleton.EXT`: .mp4 (or `video_suffix`, e.g. .webm for a
    transparent layer) for videos; .png, or .jpg for a JPEG, for stills."""
    from app.base.formats import is_image_path
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
    from app.base.formats import is_image_path
    if job.video and not is_image_path(src):
        from app.media.encoder import output_format_for
        if output_format_for(out).alpha and job.settings.background.path is not None:
            raise OutputError(f"{out.name}: a transparent .webm has no background; leave the "
                              "background image or video out, or write an .mp4.")


def resolve_jobs(jobs: int) -> int:
    return max(1, jobs if jobs > 0 else (os.cpu_count() or 1))


def media_in_folder(folder: Path) -> list[Path]:
    """The video and image files in `folder`, sorted. Hidden files are
    skipped: our own unfinished outputs (.NAME.posecloak-partial-...) and
    macOS "._NAME" resource forks."""
    from app.base.formats import is_media_path
    return sorted(f for f in folder.iterdir()
                  if f.is_file() and is_media_path(f) and not f.name.startswith("."))


def expand_inputs(items: list[str | Path]) -> tuple[list[Path], list[str]]:
    """Files, folders (their media files) and globs -> paths, each once;
    unmatched items come back as problems, one message each."""
    paths: list[Path] = []
    problems: list[str] = []
    for item in items:
        p = Path(item).expanduser()
        if p.is_dir():
            found = media_in_folder(p)
            if not found:
                problems.append(f"{item}: the folder holds no video or image files.")
            paths.extend(found)
        elif p.exists() or not glob.has_magic(str(item)):
            paths.append(p)
        else:
            matches = [m for m in sorted(Path(m) for m in glob.glob(os.path.expanduser(item)))
                       if m.is_file()]
            if not matches:
                problems.append(f"{item}: no file matches.")
            paths.extend(matches)
    unique, seen = [], set()
    for p in paths:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique, problems


def plan_job(source: Path, settings: SkeletonSettings, output: Path, *,
             keypoint_formats: tuple[str, ...] = (), keypoints: tuple[Path, ...] = (),
             report: bool = False, overwrite: bool = False) -> ConvertJob:
    """A job writing `output`, with keypoints (given paths, and one beside
    the output per format in `keypoint_formats`) and the report if asked."""
    beside = tuple(output.with_suffix("." + f) for f in keypoint_formats)
    reports = ReportPaths.for_video(output) if report else None
    return ConvertJob(Path(source), output, settings, tuple(keypoints) + beside, overwrite,
                      reports)
