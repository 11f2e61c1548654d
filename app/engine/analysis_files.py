"""The analysis's files: NAME_report.html, NAME_angles.csv, NAME_events.csv.

The texts come from app/analysis; this module only places and writes them,
atomically (temporary names renamed when the whole conversion succeeded), and
reads keypoint files back for `posecloak analyze`.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from app import __version__

REPORT_SUFFIXES = ("_report.html", "_angles.csv", "_events.csv")


@dataclass(frozen=True)
class ReportPaths:
    html: Path
    angles: Path
    events: Path

    @classmethod
    def beside(cls, folder: Path, name: str) -> ReportPaths:
        """folder/NAME_report.html, NAME_angles.csv, NAME_events.csv."""
        return cls(*(Path(folder) / f"{name}{s}" for s in REPORT_SUFFIXES))

    def paths(self) -> tuple[Path, Path, Path]:
        return self.html, self.angles, self.events

    @classmethod
    def for_video(cls, output: Path) -> ReportPaths:
        """Beside a converted video: NAME is its stem less '_skeleton'."""
        stem = output.stem
        name = stem[:-len("_skeleton")] if stem.endswith("_skeleton") and len(stem) > 9 else stem
        return cls.beside(output.parent, name)


def open_report_outputs(stack: ExitStack, paths: ReportPaths, overwrite: bool) -> ReportPaths:
    """Temporary files for the three outputs, renamed when `stack` closes
    without an error and removed otherwise. Refuses existing files up front
    (without `overwrite`), before any work is done."""
    from app.base.files import atomic_output
    return ReportPaths(*(stack.enter_context(atomic_output(p, overwrite=overwrite))
                         for p in paths.paths()))


def write_report_files(temps: ReportPaths, analysis) -> None:
    from app.analysis.export import angles_csv, events_csv
    from app.analysis.report_html import report_html
    temps.html.write_text(report_html(analysis, f"posecloak {__version__}"), encoding="utf-8")
    temps.angles.write_text(angles_csv(analysis), encoding="utf-8", newline="")
    temps.events.write_text(events_csv(analysis), encoding="utf-8", newline="")


def analyze_keypoint_file(path: Path, settings):
    """The Analysis of a keypoint JSON file (schema version 1 or 2)."""
    from app.analysis.analysis import analyze_arrays
    from app.base.errors import InputError
    from app.media.keypoints import keypoints_to_arrays, read_keypoints
    try:
        data = read_keypoints(path)
        times, ids, arrays = keypoints_to_arrays(data)
        video = data["video"]
        return analyze_arrays(times, ids, arrays, int(video["width"]), int(video["height"]),
                              float(video.get("fps") or 0.0), settings,
                              standard_body=data.get("standard_body") is True)
    except (ValueError, KeyError, TypeError) as exc:
        detail = str(exc) if isinstance(exc, ValueError) else f"missing or bad field {exc}"
        raise InputError(f"{path.name}: not a readable keypoint file ({detail}).") from None


def series_of_keypoint_file(path: Path):
    """The Plots panel's columns for a keypoint JSON file."""
    from app.analysis.series import series_from_arrays
    from app.media.keypoints import keypoints_to_arrays, read_keypoints
    data = read_keypoints(path)
    times, ids, arrays = keypoints_to_arrays(data)
    video = data["video"]
    return series_from_arrays(times, arrays, video["width"], video["height"], video["fps"], ids)
