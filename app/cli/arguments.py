"""The command line's arguments, and the settings value and jobs they build
(the same SkeletonSettings the app's controls edit)."""

from __future__ import annotations

import argparse
from pathlib import Path

from app import __version__
from app.base.errors import PoseCloakError


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
    from app.base.style import parse_color
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
    g.add_argument("--min-detection-confidence", type=_float_range(0, 1), default=0.5,
                   help="how sure the detector must be that a person is there (0..1)")
    g.add_argument("--min-presence-confidence", type=_float_range(0, 1), default=0.5,
                   help="how sure the model must be that a found person is still there (0..1)")
    g.add_argument("--min-tracking-confidence", type=_float_range(0, 1), default=0.5,
                   help="below this, a tracked person is searched for again (0..1)")
    g.add_argument("--smooth", type=_float_range(0, 1), default=0.0, metavar="STRENGTH",
                   help="One-Euro smoothing strength 0..1 (0 = off)")
    g.add_argument("--exclude-id", type=int, action="append", default=[], metavar="ID",
                   help="hide the person with this ID (repeatable)")
    g.add_argument("--only-largest", action="store_true", help="keep only the main subject")
    body = g.add_mutually_exclusive_group()
    body.add_argument("--standard-body", dest="standard_body", action="store_true", default=True,
                      help="redraw everyone on one template skeleton, so body size and "
                      "proportions identify nobody (the default; the analysis uses the real "
                      "landmarks)")
    body.add_argument("--real-body", dest="standard_body", action="store_false",
                      help="keep each person's own proportions in the video and keypoints")
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


def _add_device_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", choices=("cpu", "gpu"), default="cpu",
                   help="where the pose model runs: gpu uses MediaPipe's GPU delegate (Linux), "
                   "and falls back to the CPU, saying so once, where it cannot start")


def _add_analysis_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("analysis")
    g.add_argument("--cutoff", type=_float_range(0.1, 100), default=6.0, metavar="HZ",
                   help="low-pass cutoff of the joint angles (zero-lag Butterworth, default 6)")
    g.add_argument("--title", default="", help="title of the report (it names no file unless "
                   "you put the name here)")


def _add_cluster_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("cluster (the optional cluster extra: posecloak[cluster])")
    g.add_argument("--cluster", metavar="tcp://HOST:PORT|tls://HOST:PORT|local:N",
                   help="convert on a Dask cluster, one task per file; inputs and outputs must "
                   "be on a folder every worker sees")
    g.add_argument("--insecure-cluster", action="store_true",
                   help="allow a plain tcp:// scheduler on another machine (anyone who reaches "
                   "it can run code on its workers)")
    g.add_argument("--tls-ca-file", type=Path, help="CA certificate of the tls:// cluster")
    g.add_argument("--tls-cert", type=Path, help="this client's TLS certificate")
    g.add_argument("--tls-key", type=Path, help="this client's TLS private key")


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
    _add_device_option(c)
    _add_analysis_options(c)
    _add_cluster_options(c)

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
    _add_device_option(a)

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

    from app.base.settings import (
        AnalysisSettings,
        BackgroundSpec,
        DetectionSettings,
        FitMode,
        PeopleSettings,
        SkeletonSettings,
        parse_tiles,
    )
    from app.base.style import RenderStyle, parse_color

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
    if args.max_people is not None and not 1 <= args.max_people <= 64:
        raise PoseCloakError("--max-people must be between 1 and 64.")
    if args.jobs < 0:
        raise PoseCloakError("--jobs must be 0 (auto) or more.")
    parse_tiles(args.tiles)  # a bad --tiles is one clear line
    detection = DetectionSettings(max_people=args.max_people,
                                  min_detection_confidence=args.min_detection_confidence,
                                  min_presence_confidence=args.min_presence_confidence,
                                  min_tracking_confidence=args.min_tracking_confidence,
                                  tiles=args.tiles, device=args.device)
    people = PeopleSettings(smoothing=args.smooth, exclude_ids=frozenset(args.exclude_id),
                            only_largest=args.only_largest,
                            interpolate_gaps=max(0, args.interpolate_gaps),
                            standard_body=args.standard_body)
    analysis = AnalysisSettings(cutoff_hz=args.cutoff, title=args.title)
    return SkeletonSettings(style=style, background=background, detection=detection,
                            people=people, keep_audio=args.keep_audio, jobs=args.jobs,
                            analysis=analysis)


def plan_jobs(args: argparse.Namespace, inputs: list[Path], settings):
    from app.engine.jobs import default_output_for, plan_job
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
        jobs.append(plan_job(src, settings, out, keypoint_formats=tuple(auto_formats),
                             keypoints=tuple(explicit), report=args.report,
                             overwrite=args.overwrite))
    return jobs



