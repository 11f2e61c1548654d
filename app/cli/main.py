"""Command line: `posecloak convert|analyze|watch|info|model|gui`; no arguments opens the app.

Errors are one line on stderr and a non-zero exit: 1 when a file failed,
2 for bad usage, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from app.base.errors import PoseCloakError
from app.base.text import count_of
from app.cli.arguments import build_parser, plan_jobs, settings_from_args

EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130


def _fail(message: str, code: int = EXIT_FAILED) -> int:
    print(f"posecloak: error: {message}", file=sys.stderr)
    return code


# --------------------------------------------------------------------------
# commands


def _model_path(args: argparse.Namespace) -> Path:
    from app.cli.progress import DownloadBar
    from app.engine.model_ready import ready_model
    return ready_model(args.model, args.model_variant, offline=True if args.offline else None,
                       progress=DownloadBar(sys.stderr))


def _inputs(args: argparse.Namespace) -> tuple[list[Path], list[str]]:
    """The files the arguments name, and the problems, each already printed
    as one error line."""
    from app.engine.jobs import expand_inputs
    inputs, problems = expand_inputs(args.inputs)
    for message in problems:
        print(f"posecloak: error: {message}", file=sys.stderr)
    return inputs, problems


def _planned(args: argparse.Namespace):
    """(jobs, input problems, model path) for `convert`, or None when no
    input was usable (the problems are printed)."""
    inputs, problems = _inputs(args)
    if not inputs:
        return None
    jobs = plan_jobs(args, inputs, settings_from_args(args))
    return jobs, problems, _model_path(args)


def cmd_convert(args: argparse.Namespace) -> int:
    from app.cli.progress import ProgressBar, print_converted
    from app.engine.messages import describe_error
    from app.engine.pipeline import convert

    if args.cluster:
        from app.cli.cluster_command import cmd_convert_on_cluster
        return cmd_convert_on_cluster(args)
    planned = _planned(args)
    if planned is None:
        return EXIT_FAILED
    jobs, problems, model = planned
    failed: list[tuple[Path, str]] = []
    done = 0
    cancel = threading.Event()
    for n, job in enumerate(jobs, 1):
        label = f"[{n}/{len(jobs)}] {job.source.name}" if len(jobs) > 1 else job.source.name
        bar = ProgressBar(label, sys.stderr, enabled=not args.quiet)
        try:
            result = convert(job, model, progress=bar.update, cancel=cancel)
        except KeyboardInterrupt:
            bar.finish(None)
            print("posecloak: interrupted; the unfinished output was removed.", file=sys.stderr)
            return EXIT_INTERRUPTED
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the batch
            bar.finish(None)
            message = describe_error(exc)
            failed.append((job.source, message))
            print(f"posecloak: error: {message}", file=sys.stderr)
            continue
        bar.finish(result)
        done += 1
        print_converted(job, result)
    if len(jobs) > 1 or problems:
        total = len(jobs) + len(problems)
        print(f"Converted {done} of {total}; {total - done} failed.", file=sys.stderr)
    return EXIT_FAILED if failed or problems else 0


def cmd_analyze(args: argparse.Namespace) -> int:
    """Videos go through the conversion's pose path (no video is written);
    keypoint files are read back. Each input gives NAME_report.html,
    NAME_angles.csv and NAME_events.csv, all or nothing."""
    from contextlib import ExitStack

    from app.cli.progress import ProgressBar
    from app.engine.analysis_files import (
        ReportPaths,
        analyze_keypoint_file,
        open_report_outputs,
        write_report_files,
    )
    from app.engine.jobs import ConvertJob
    from app.engine.messages import describe_error
    from app.engine.pipeline import convert

    inputs, problems = _inputs(args)
    if not inputs:
        return EXIT_FAILED
    settings = settings_from_args(args)
    if args.out_dir is not None:
        try:
            args.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PoseCloakError(f"{args.out_dir}: cannot create the output folder "
                                 f"({exc.strerror}).") from None
    model = None
    failed = 0
    for n, src in enumerate(inputs, 1):
        is_keypoints = src.suffix.lower() == ".json"
        folder = args.out_dir or (src.parent if is_keypoints else Path("output"))
        paths = ReportPaths.beside(folder, src.stem)
        label = f"[{n}/{len(inputs)}] {src.name}" if len(inputs) > 1 else src.name
        bar = ProgressBar(label, sys.stderr, enabled=not args.quiet and not is_keypoints)
        try:
            if not src.is_file():
                raise PoseCloakError(f"{src}: no such file.")
            if src.resolve() in {p.resolve() for p in paths.paths()}:
                raise PoseCloakError(f"{src.name}: the report would overwrite the input.")
            if is_keypoints:
                with ExitStack() as stack:
                    temps = open_report_outputs(stack, paths, args.overwrite)
                    analysis = analyze_keypoint_file(src, settings.analysis)
                    write_report_files(temps, analysis)
            else:
                folder.mkdir(parents=True, exist_ok=True)
                model = model or _model_path(args)
                job = ConvertJob(src, paths.html, settings, (), args.overwrite, paths, video=False)
                result = convert(job, model, progress=bar.update)
                bar.finish(result)
                analysis = result.analysis
        except KeyboardInterrupt:
            bar.finish(None)
            print("posecloak: interrupted; the unfinished outputs were removed.", file=sys.stderr)
            return EXIT_INTERRUPTED
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the batch
            bar.finish(None)
            failed += 1
            print(f"posecloak: error: {describe_error(exc)}", file=sys.stderr)
            continue
        falls = sum(e.kind == "fall" for e in analysis.events)
        print(f"{src.name} -> {paths.html} ({count_of(len(analysis.people), 'person')}, "
              f"{count_of(falls, 'fall')})")
        print(f"  angles -> {paths.angles}\n  events -> {paths.events}")
    if len(inputs) > 1 or problems:
        total = len(inputs) + len(problems)
        print(f"Analysed {total - failed - len(problems)} of {total}; "
              f"{failed + len(problems)} failed.", file=sys.stderr)
    return EXIT_FAILED if failed or problems else 0


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
    from app.pose.model import file_sha256
    path = _model_path(args)
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
            from app.cli.watch_command import cmd_watch
            return cmd_watch(args, _model_path)
    except PoseCloakError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return _fail("interrupted.", EXIT_INTERRUPTED)
    parser.print_help()
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
