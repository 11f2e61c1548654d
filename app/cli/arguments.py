"""The command line's arguments, and the settings value and jobs they build
(the same SkeletonSettings the app's controls edit)."""

from __future__ import annotations

import argparse
from pathlib import Path

from app import __version__
from app.base.errors import PoseCloakError
from app.cli.setting_options import add_setting_option, add_setting_options, values_from_args


def _float_range(lo: float, hi: float):
    """A number option of `watch` (its options are the CLI's alone)."""
    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"must be between {lo:g} and {hi:g}")
        return v
    return parse


def _add_style_options(p: argparse.ArgumentParser) -> None:
    from app.base.style import RenderStyle
    add_setting_options(p.add_argument_group("style"), RenderStyle)


def _add_people_options(p: argparse.ArgumentParser) -> None:
    from app.base.settings import DetectionSettings, PeopleSettings
    g = p.add_argument_group("people")
    add_setting_options(g, DetectionSettings, "device")
    add_setting_options(g, PeopleSettings)
    # The default, accepted so scripts can say so (--no-standard-body turns it off).
    g.add_argument("--standard-body", dest="no_standard_body", action="store_false", default=False,
                   help="redraw everyone on one template skeleton (the default)")


def _add_model_options(p: argparse.ArgumentParser) -> None:
    from app.pose.model import DEFAULT_VARIANT, VARIANTS
    g = p.add_argument_group("model")
    g.add_argument("--model", type=Path, help="pose model .task file (else $POSECLOAK_MODEL, "
                   "bundled, cached, or downloaded once)")
    g.add_argument("--model-variant", choices=VARIANTS, default=DEFAULT_VARIANT)
    g.add_argument("--offline", action="store_true",
                   help="never download anything (also POSECLOAK_OFFLINE=1)")


def _add_device_option(p: argparse.ArgumentParser) -> None:
    from app.base.settings import DetectionSettings
    add_setting_option(p, DetectionSettings, "device")


def _add_analysis_options(p: argparse.ArgumentParser) -> None:
    from app.base.settings import AnalysisSettings
    add_setting_options(p.add_argument_group("analysis"), AnalysisSettings)


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
    from app.base.setting_spec import spec_of
    from app.base.settings import DEFAULT_CUTOFF_HZ, BackgroundSpec, SkeletonSettings
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
    add_setting_option(c, BackgroundSpec, "fit")
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
                       help=spec_of(SkeletonSettings, "keep_audio").help)
    audio.add_argument("--no-audio", action="store_true",
                       help="leave the audio out (the default; accepted for old scripts)")
    c.add_argument("--report", action="store_true",
                   help="also write the motion analysis beside the output: NAME_report.html, "
                   "NAME_angles.csv, NAME_events.csv")
    add_setting_option(c, SkeletonSettings, "jobs")
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
    add_setting_option(a, SkeletonSettings, "jobs")
    a.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    a.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    a.set_defaults(background="black", fit="fit", bg_loop=True, keep_audio=False, format=None,
                   keypoints=[], output=None, report=True)
    _add_analysis_options(a)
    _add_style_options(a)
    _add_people_options(a)
    _add_model_options(a)
    _add_device_option(a)

    w = sub.add_parser("watch", help="headless monitor: skeleton-only recordings, events and "
                       "fall alerts from network cameras (or files, for tests)")
    w.add_argument("sources", nargs="+", metavar="[NAME=]SOURCE",
                   help="rtsp://, rtsps://, http(s):// (MJPEG, HLS) address or a video file "
                   "(played once; the watch ends at its end); user:password in the address, "
                   "or a user only and the password is asked for")
    w.add_argument("--out-dir", type=Path, required=True,
                   help="folder for each camera's recordings and events (DIR/NAME/)")
    w.add_argument("--segment-minutes", type=_float_range(0.05, 1440), default=10.0,
                   help="length of each recording segment (default 10)")
    w.add_argument("--keep-hours", type=_float_range(0, 1e6), default=0.0,
                   help="delete segments older than this (0 = keep, the default)")
    w.add_argument("--keep-gb", type=_float_range(0, 1e6), default=0.0,
                   help="per camera, delete the oldest segments past this size (0 = no limit)")
    w.add_argument("--watch-keypoints", choices=("json", "csv", "both", "none"), default="json",
                   help="keypoints beside each segment (default json)")
    w.add_argument("--events", choices=("jsonl", "csv", "both"), default="jsonl",
                   help="events log format (default jsonl)")
    w.add_argument("--on-alert", default="", metavar="CMD",
                   help="run this shell command at a fall or a lost camera, the event as JSON on "
                   "stdin and in POSECLOAK_EVENT_* variables")
    w.add_argument("--alert-url", default="", metavar="URL",
                   help="POST each alert as JSON to this http(s) address (the event only)")
    w.add_argument("--lost-alert-seconds", type=_float_range(0, 1e6), default=60.0,
                   help="alert when a camera is lost this long (default 60; 0 = never)")
    w.add_argument("--camera-cert", default="", metavar="FILE|any",
                   help="rtsps:// and https:// cameras: trust the certificates in this PEM file "
                   "(a camera's self-signed one), or 'any' to encrypt without checking them "
                   "(default: the system's certificate authorities)")
    w.add_argument("--stop-after", type=_float_range(0, 1e9), default=0.0, metavar="SECONDS",
                   help="stop cleanly after this long (0 = run until stopped, the default)")
    w.add_argument("-q", "--quiet", action="store_true", help="print only errors and alerts")
    w.set_defaults(background="black", fit="fit", bg_loop=True, keep_audio=False, jobs=1,
                   cutoff=DEFAULT_CUTOFF_HZ, title="")
    _add_style_options(w)
    _add_people_options(w)
    _add_model_options(w)
    _add_device_option(w)

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

    # One --background is a colour or a file, so the background is read here.
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
    parse_tiles(args.tiles)  # a bad --tiles is one clear line
    return SkeletonSettings(style=RenderStyle(**values_from_args(args, RenderStyle)),
                            background=background,
                            detection=DetectionSettings(**values_from_args(args, DetectionSettings)),
                            people=PeopleSettings(**values_from_args(args, PeopleSettings)),
                            analysis=AnalysisSettings(**values_from_args(args, AnalysisSettings)),
                            keep_audio=args.keep_audio,
                            **values_from_args(args, SkeletonSettings))


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



