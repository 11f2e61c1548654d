"""Command line: `posecloak convert|analyze|watch|info|model|gui`; no arguments opens the app.

Errors are one line on stderr and a non-zero exit: 1 when a file failed,
2 for bad usage, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.base.errors import PoseCloakError
from app.base.text import count_of
from app.cli.arguments import build_parser, settings_from_args
from app.engine.batch import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE


def _fail(message: str, code: int = EXIT_FAILED) -> int:
    print(f"posecloak: error: {message}", file=sys.stderr)
    return code


# --------------------------------------------------------------------------
# commands


def cmd_convert(args: argparse.Namespace) -> int:
    from app.cli.batch_view import BarView, exit_after
    from app.cli.planning import planned
    from app.cli.progress import print_converted
    from app.engine.batch import FileBatch, run_files
    from app.engine.pipeline import convert

    if args.cluster:
        from app.cli.cluster_command import cmd_convert_on_cluster
        return cmd_convert_on_cluster(args)
    plan = planned(args)
    if plan is None:
        return EXIT_FAILED
    jobs, problems, model = plan
    batch = FileBatch(jobs, lambda job: job.source,
                      lambda job, progress, cancel: convert(job, model, progress=progress,
                                                            cancel=cancel),
                      problems=len(problems))
    view = BarView(quiet=args.quiet, name_of=lambda job: job.source.name, show=print_converted,
                   removed="output was")
    return exit_after(run_files(batch, view), "Converted")


def cmd_analyze(args: argparse.Namespace) -> int:
    """Videos go through the conversion's pose path (no video is written);
    keypoint files are read back. Each input gives NAME_report.html,
    NAME_angles.csv and NAME_events.csv, all or nothing."""
    from contextlib import ExitStack

    from app.cli.batch_view import BarView, exit_after
    from app.cli.planning import inputs_of, model_path
    from app.engine.analysis_files import (
        ReportPaths,
        analyze_keypoint_file,
        open_report_outputs,
        write_report_files,
    )
    from app.engine.batch import FileBatch, run_files
    from app.engine.jobs import ConvertJob
    from app.engine.pipeline import convert

    inputs, problems = inputs_of(args)
    if not inputs:
        return EXIT_FAILED
    settings = settings_from_args(args)
    if args.out_dir is not None:
        try:
            args.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PoseCloakError(f"{args.out_dir}: cannot create the output folder "
                                 f"({exc.strerror}).") from None
    models: list[Path] = []  # the model, found at the first video

    def is_keypoints(src: Path) -> bool:
        return src.suffix.lower() == ".json"

    def paths_of(src: Path) -> ReportPaths:
        folder = args.out_dir or (src.parent if is_keypoints(src) else Path("output"))
        return ReportPaths.beside(folder, src.stem)

    def analyze(src: Path, progress, _cancel):
        paths = paths_of(src)
        if not src.is_file():
            raise PoseCloakError(f"{src}: no such file.")
        if src.resolve() in {p.resolve() for p in paths.paths()}:
            raise PoseCloakError(f"{src.name}: the report would overwrite the input.")
        if is_keypoints(src):
            with ExitStack() as stack:
                temps = open_report_outputs(stack, paths, args.overwrite)
                analysis = analyze_keypoint_file(src, settings.analysis)
                write_report_files(temps, analysis)
            if analysis.standard_body:
                print(f"posecloak: warning: {src.name} holds the standard body, not the "
                      "person's landmarks: fall times may differ by a few frames (the report "
                      "says so); analyse the video or a --no-standard-body file for the real "
                      "ones.", file=sys.stderr)
            return analysis, None
        paths.html.parent.mkdir(parents=True, exist_ok=True)
        models[:] = models or [model_path(args)]
        job = ConvertJob(src, paths.html, settings, (), args.overwrite, paths, video=False)
        result = convert(job, models[0], progress=progress)
        return result.analysis, result

    def show(src: Path, value) -> None:
        analysis, _result = value
        paths = paths_of(src)
        falls = sum(e.kind == "fall" for e in analysis.events)
        print(f"{src.name} -> {paths.html} ({count_of(len(analysis.people), 'person')}, "
              f"{count_of(falls, 'fall')})")
        print(f"  angles -> {paths.angles}\n  events -> {paths.events}")

    batch = FileBatch(inputs, lambda src: src, analyze, problems=len(problems))
    view = BarView(quiet=args.quiet, name_of=lambda src: src.name, show=show,
                   removed="outputs were", bar_for=lambda src: not is_keypoints(src),
                   result_of=lambda value: value[1])
    return exit_after(run_files(batch, view), "Analysed")


def cmd_info(args: argparse.Namespace) -> int:
    from app.base.formats import is_image_path
    from app.media.images import read_image
    from app.media.video import probe
    status = 0
    for n, f in enumerate(args.files):
        if n:
            print()  # a blank line between files
        try:
            if is_image_path(f):
                img = read_image(f)
                print(f"file:        {f.name}\nimage:       {img.shape[1]}x{img.shape[0]}")
            else:
                print(probe(f, count_frames=True).describe())
        except PoseCloakError as exc:
            print(f"posecloak: error: {exc}", file=sys.stderr)
            status = EXIT_FAILED
    return status


def cmd_model(args: argparse.Namespace) -> int:
    from app.base.files import file_sha256
    from app.cli.planning import model_path
    path = model_path(args)
    print(f"sha256: {file_sha256(path)}")  # the name outputs and manifests give it
    print(path)  # last, so `posecloak model | tail -1` is the path
    return 0


def cmd_cameras() -> int:
    from app.media.camera import NO_CAMERA_MESSAGE, list_cameras
    cameras = list_cameras()
    if not cameras:
        print(NO_CAMERA_MESSAGE)
    for cam in cameras:
        print(f"{cam.index}: {cam.label}  ({cam.fmt} {cam.url})")
    return 0


def cmd_gui(argv: list[str]) -> int:
    from app.gui.main import main as gui_main
    return gui_main(argv)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] == "gui":
        return cmd_gui(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    from app.pose.estimator import silence_native_logs
    silence_native_logs()
    try:
        if args.command == "convert":
            return cmd_convert(args)
        if args.command == "analyze":
            return cmd_analyze(args)
        if args.command == "info":
            return cmd_info(args)
        if args.command == "model":
            return cmd_model(args)
        if args.command == "cameras":
            return cmd_cameras()
        if args.command == "watch":
            from app.cli.planning import model_path
            from app.cli.watch_command import cmd_watch
            return cmd_watch(args, model_path)
    except PoseCloakError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return _fail("interrupted.", EXIT_INTERRUPTED)
    parser.print_help()
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
