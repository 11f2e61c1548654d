"""Command line: `posecloak convert|analyze|info|model|gui`; no arguments opens the app.

Errors are one line on stderr and a non-zero exit: 1 when a file failed,
2 for bad usage, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
import threading
from pathlib import Path

from app import __version__
from app.core.errors import PoseCloakError

EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130


def _fail(message: str, code: int = EXIT_FAILED) -> int:
    print(f"posecloak: error: {message}", file=sys.stderr)
    return code


# --------------------------------------------------------------------------
# argument parsing


def _float_range(lo: float, hi: float):
    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"must be between {lo:g} and {hi:g}")
        return v
    return parse


def _color(text: str):
    from app.core.style import parse_color
    try:
        return parse_color(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_style_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("style")
    g.add_argument("--color", type=_color, help="skeleton colour: name, #rrggbb or r,g,b")
    g.add_argument("--left-color", type=_color, help="colour of the left side")
    g.add_argument("--right-color", type=_color, help="colour of the right side")
    g.add_argument("--center-color", type=_color, help="colour of the centre line and face")
    g.add_argument("--thickness", type=_float_range(0, 100), help="line thickness (px at 720p)")
    g.add_argument("--radius", type=_float_range(0, 100), help="joint radius (px at 720p)")
    g.add_argument("--opacity", type=_float_range(0, 1), help="skeleton opacity 0..1")
    g.add_argument("--min-confidence", type=_float_range(0, 1),
                   help="landmarks below this confidence are neither drawn nor exported as valid")
    g.add_argument("--no-face", action="store_true",
                   help="leave out face points (nose, eyes, ears, mouth) in video AND keypoints")
    g.add_argument("--no-antialias", action="store_true", help="hard-edged lines")
    g.add_argument("--color-by-person", action="store_true", help="one colour per tracked person")
    g.add_argument("--show-ids", action="store_true", help="label each person with their ID")


def _add_people_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("people")
    g.add_argument("--max-people", type=int, default=None,
                   help="most people per frame (default 4, or 16 with --tiles)")
    g.add_argument("--min-detection-confidence", type=_float_range(0, 1), default=0.5)
    g.add_argument("--min-presence-confidence", type=_float_range(0, 1), default=0.5)
    g.add_argument("--min-tracking-confidence", type=_float_range(0, 1), default=0.5)
    g.add_argument("--smooth", type=_float_range(0, 1), default=0.0, metavar="STRENGTH",
                   help="One-Euro smoothing strength 0..1 (0 = off)")
    g.add_argument("--exclude-id", type=int, action="append", default=[], metavar="ID",
                   help="hide the person with this ID (repeatable)")
    g.add_argument("--only-largest", action="store_true", help="keep only the main subject")
    g.add_argument("--tiles", default=None, metavar="auto|COLSxROWS",
                   help="find distant people by detecting on overlapping upscaled tiles")
    g.add_argument("--interpolate-gaps", type=int, default=0, metavar="N",
                   help="fill landmark gaps shorter than N frames")


def _add_model_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("model")
    g.add_argument("--model", type=Path, help="pose model .task file (else $POSECLOAK_MODEL, "
                   "bundled, cached, or downloaded once)")
    g.add_argument("--model-variant", choices=("lite", "full", "heavy"), default="full")
    g.add_argument("--offline", action="store_true",
                   help="never download anything (also POSECLOAK_OFFLINE=1)")


def _add_analysis_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("analysis")
    g.add_argument("--cutoff", type=_float_range(0.1, 100), default=6.0, metavar="HZ",
                   help="low-pass cutoff of the joint angles (zero-lag Butterworth, default 6)")
    g.add_argument("--title", default="", help="title of the report (it names no file unless "
                   "you put the name here)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="posecloak", description="Turn video of people into skeleton-only video. "
        "Run without arguments to open the app.")
    parser.add_argument("--version", action="version", version=f"posecloak {__version__}")
    sub = parser.add_subparsers(dest="command")

    c = sub.add_parser("convert", help="convert videos or stills to skeleton-only output")
    c.add_argument("inputs", nargs="+", metavar="INPUT", help="files, folders or globs")
    out = c.add_mutually_exclusive_group()
    out.add_argument("-o", "--output", type=Path, help="output file (one input only)")
    out.add_argument("--out-dir", type=Path, help="output folder (default: ./output)")
    c.add_argument("--background", default="black", metavar="COLOR|IMAGE|VIDEO",
                   help="colour, image or video behind the skeleton (default black)")
    c.add_argument("--fit", choices=("fit", "fill", "stretch"), default="fit",
                   help="how a background of another size is fitted")
    loop = c.add_mutually_exclusive_group()
    loop.add_argument("--bg-loop", dest="bg_loop", action="store_true", default=True,
                      help="loop a shorter background video (default)")
    loop.add_argument("--bg-hold", dest="bg_loop", action="store_false",
                      help="hold a shorter background video's last frame")
    c.add_argument("--keypoints", action="append", default=[], metavar="PATH|json|csv",
                   help="export keypoints: a .json/.csv path (one input), or json/csv to "
                   "write one beside each output (repeatable)")
    c.add_argument("--format", choices=("mp4", "webm"), default=None,
                   help="video output: mp4 (H.264, default) or webm (transparent VP9 layer "
                   "for video editors, no background); -o NAME.webm does the same")
    audio = c.add_mutually_exclusive_group()
    audio.add_argument("--keep-audio", action="store_true",
                       help="keep the source's audio (off by default: voices can identify "
                       "people)")
    audio.add_argument("--no-audio", action="store_true",
                       help="leave the audio out (the default; accepted for old scripts)")
    c.add_argument("--report", action="store_true",
                   help="also write the motion analysis beside the output: NAME_report.html, "
                   "NAME_angles.csv, NAME_events.csv")
    c.add_argument("--jobs", type=int, default=0,
                   help="pose workers on separate chunks (default: one per CPU core)")
    c.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    c.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    _add_style_options(c)
    _add_people_options(c)
    _add_model_options(c)
    _add_analysis_options(c)

    a = sub.add_parser("analyze", help="motion analysis of videos or keypoint JSON files: "
                       "joint angles, activity, falls, as an HTML report and CSVs")
    a.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="videos (analysed with the pose model) or keypoint .json files")
    a.add_argument("--out-dir", type=Path, help="folder for the outputs (default: ./output for "
                   "videos, beside a keypoint file)")
    a.add_argument("--jobs", type=int, default=0, help="pose workers (default: one per CPU core)")
    a.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    a.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    a.set_defaults(background="black", fit="fit", bg_loop=True, keep_audio=False, format=None,
                   keypoints=[], output=None, report=True)
    _add_analysis_options(a)
    _add_style_options(a)
    _add_people_options(a)
    _add_model_options(a)

    i = sub.add_parser("info", help="show what the app sees in a file")
    i.add_argument("files", nargs="+", type=Path)

    m = sub.add_parser("model", help="show the pose model in use, downloading it if needed")
    _add_model_options(m)

    sub.add_parser("cameras", help="list the cameras the app can use for live preview")
    sub.add_parser("gui", help="open the desktop app")
    return parser


# --------------------------------------------------------------------------
# settings from arguments


def settings_from_args(args: argparse.Namespace):
    from dataclasses import replace

    from app.core.background import BackgroundSpec, FitMode
    from app.core.people import PeopleOptions
    from app.core.pipeline import ConvertSettings
    from app.core.pose import PoseOptions
    from app.core.style import RenderStyle, parse_color

    style = RenderStyle()
    changes = {k: v for k, v in dict(
        color=args.color, left_color=args.left_color, right_color=args.right_color,
        center_color=args.center_color, thickness=args.thickness, joint_radius=args.radius,
        opacity=args.opacity, min_confidence=args.min_confidence).items() if v is not None}
    style = replace(style, **changes, show_face=not args.no_face,
                    antialias=not args.no_antialias, color_by_person=args.color_by_person,
                    show_ids=args.show_ids)
    bg = args.background
    bg_path = Path(bg).expanduser()
    fit = FitMode(args.fit)
    if bg_path.exists():
        background = BackgroundSpec(path=bg_path, fit=fit, loop=args.bg_loop)
    else:
        try:
            background = BackgroundSpec(color=parse_color(bg), fit=fit, loop=args.bg_loop)
        except ValueError:
            raise PoseCloakError(f"background '{bg}': neither a colour nor an existing file.") from None
    if args.max_people is None:
        args.max_people = 16 if args.tiles not in (None, "off", "none") else 4
    if not 1 <= args.max_people <= 64:
        raise PoseCloakError("--max-people must be between 1 and 64.")
    if args.jobs < 0:
        raise PoseCloakError("--jobs must be 0 (auto) or more.")
    if args.tiles is not None:
        from app.core.people import parse_tiles
        parse_tiles(args.tiles)
    pose = PoseOptions(max_people=args.max_people,
                       min_detection_confidence=args.min_detection_confidence,
                       min_presence_confidence=args.min_presence_confidence,
                       min_tracking_confidence=args.min_tracking_confidence)
    people = PeopleOptions(smoothing=args.smooth, exclude_ids=frozenset(args.exclude_id),
                           only_largest=args.only_largest, tiles=args.tiles,
                           interpolate_gaps=max(0, args.interpolate_gaps),
                           min_confidence=style.min_confidence)
    from app.analysis.analysis import AnalysisSettings
    analysis = AnalysisSettings(cutoff_hz=args.cutoff, title=args.title)
    return ConvertSettings(style=style, background=background, pose=pose, people=people,
                           keep_audio=args.keep_audio, jobs=args.jobs, analysis=analysis)


def expand_inputs(items: list[str]) -> tuple[list[Path], list[str]]:
    """Files, folders (their media files) and globs -> paths; unmatched items
    are returned as problems so each gets its own message."""
    from app.media.formats import is_media_path
    paths: list[Path] = []
    problems: list[str] = []
    for item in items:
        p = Path(item).expanduser()
        if p.is_dir():
            # Hidden files are skipped: our own unfinished temp outputs
            # (.NAME.posecloak-partial-...) and macOS "._NAME" resource forks.
            found = sorted(f for f in p.iterdir()
                           if f.is_file() and is_media_path(f) and not f.name.startswith("."))
            if not found:
                problems.append(f"{item}: the folder holds no video or image files.")
            paths.extend(found)
        elif p.exists() or not glob.has_magic(item):
            paths.append(p)
        else:
            matches = sorted(Path(m) for m in glob.glob(os.path.expanduser(item)))
            matches = [m for m in matches if m.is_file()]
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


def plan_jobs(args: argparse.Namespace, inputs: list[Path], settings):
    from app.core.analysis_files import ReportPaths
    from app.core.pipeline import ConvertJob, default_output_for
    auto_formats = [k.lower() for k in args.keypoints if k.lower() in ("json", "csv")]
    explicit = [Path(k) for k in args.keypoints if k.lower() not in ("json", "csv")]
    if args.output is not None and len(inputs) != 1:
        raise PoseCloakError("-o/--output takes one input; use --out-dir for several.")
    if explicit and len(inputs) != 1:
        raise PoseCloakError("a keypoint file path takes one input; use --keypoints json|csv "
                             "for several.")
    out_dir = args.out_dir or Path("output")
    if args.output is None:
        if out_dir.exists() and not out_dir.is_dir():
            raise PoseCloakError(f"{out_dir}: exists and is not a folder.")
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PoseCloakError(f"{out_dir}: cannot create the output folder ({exc.strerror}).") from None
    jobs = []
    for src in inputs:
        out = args.output or default_output_for(src, out_dir, "." + (args.format or "mp4"))
        keypoints = tuple(explicit) + tuple(out.with_suffix("." + f) for f in auto_formats)
        report = ReportPaths.for_video(out) if args.report else None
        jobs.append(ConvertJob(src, out, settings, keypoints, args.overwrite, report))
    return jobs



# --------------------------------------------------------------------------
# commands


def _model_path(args: argparse.Namespace) -> Path:
    from app.cli_progress import DownloadBar
    from app.core.model import resolve_model
    from app.core.pose import check_model_loads
    offline = True if args.offline else None
    path = resolve_model(args.model, args.model_variant, offline=offline,
                         progress=DownloadBar(sys.stderr))
    check_model_loads(path)
    return path


def cmd_convert(args: argparse.Namespace) -> int:
    from app.cli_progress import ProgressBar
    from app.core.pipeline import convert, describe_error

    inputs, problems = expand_inputs(args.inputs)
    for message in problems:
        print(f"posecloak: error: {message}", file=sys.stderr)
    if not inputs:
        return EXIT_FAILED
    settings = settings_from_args(args)
    jobs = plan_jobs(args, inputs, settings)
    model = _model_path(args)
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
        extras = result.notes()
        print(f"{job.source.name} -> {result.output} ({result.frames} frames, "
              f"{result.fps:.1f} fps" + "".join(f", {e}" for e in extras) + ")")
        for k in result.keypoints:
            print(f"  keypoints -> {k}")
        if job.report is not None:
            print(f"  report -> {job.report.html}")
    if len(jobs) > 1 or problems:
        total = len(jobs) + len(problems)
        print(f"Converted {done} of {total}; {total - done} failed.", file=sys.stderr)
    return EXIT_FAILED if failed or problems else 0


def cmd_analyze(args: argparse.Namespace) -> int:
    """Videos go through the conversion's pose path (no video is written);
    keypoint files are read back. Each input gives NAME_report.html,
    NAME_angles.csv and NAME_events.csv, all or nothing."""
    from contextlib import ExitStack

    from app.cli_progress import ProgressBar
    from app.core.analysis_files import (ReportPaths, analyze_keypoint_file,
                                         open_report_outputs, write_report_files)
    from app.core.pipeline import ConvertJob, convert, describe_error

    inputs, problems = expand_inputs(args.inputs)
    for message in problems:
        print(f"posecloak: error: {message}", file=sys.stderr)
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
        print(f"{src.name} -> {paths.html} ({len(analysis.people)} people, {falls} falls)")
        print(f"  angles -> {paths.angles}\n  events -> {paths.events}")
    if len(inputs) > 1 or problems:
        total = len(inputs) + len(problems)
        print(f"Analysed {total - failed - len(problems)} of {total}; "
              f"{failed + len(problems)} failed.", file=sys.stderr)
    return EXIT_FAILED if failed or problems else 0


def cmd_info(args: argparse.Namespace) -> int:
    from app.media.formats import is_image_path
    from app.media.images import read_image
    from app.media.video import probe
    status = 0
    for f in args.files:
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
    print(_model_path(args))
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
    from app.core.pose import silence_native_logs
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
    except PoseCloakError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return _fail("interrupted.", EXIT_INTERRUPTED)
    parser.print_help()
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
