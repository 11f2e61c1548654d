"""The one settings value: how a video is turned into skeletons.

`SkeletonSettings` holds everything that decides an output (detection,
people, style, background, audio, analysis, workers). The CLI's flags build
it; the app's controls edit it (inside `StudioSettings`); the conversion
pipeline, the live preview and the export queue all read it. Each choice
has one field, so the GUI and the CLI cannot disagree: the confidence
threshold, for example, is `style.min_confidence` and nothing else
(drawing, the keypoints' `valid`, tracking and gap filling all read
`SkeletonSettings.min_confidence`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from app.base.errors import PoseCloakError
from app.base.setting_spec import check_fields, setting
from app.base.style import RGB, RenderStyle

DEFAULT_MAX_PEOPLE = 4
DEFAULT_MAX_PEOPLE_WITH_TILES = 16  # tiles exist to find crowds of small people
DEVICES = ("cpu", "gpu")  # where the landmarker runs (DetectionSettings.device)


class FitMode(str, Enum):
    FIT = "fit"  # whole picture visible, letterboxed with the fill colour
    FILL = "fill"  # covers the frame, cropping the overflow
    STRETCH = "stretch"  # distorts to the frame's aspect


@dataclass(frozen=True)
class BackgroundSpec:
    """What the user chose. `path` is an image or video; `color` is the solid
    colour, and also the letterbox colour in fit mode."""

    # The CLI sets colour and path with one --background, and loop with
    # --bg-loop/--bg-hold (app/cli/arguments.py).
    color: RGB = setting((0, 0, 0), title="Background colour",
                         help="colour behind the skeleton, and around a fitted picture")
    path: Path | None = setting(None, title="Background file",
                                help="image or video behind the skeleton")
    fit: FitMode = setting(FitMode.FIT, title="Fit", flag="--fit",
                           choices=tuple(m.value for m in FitMode),
                           help="how a background of another size is fitted")
    loop: bool = setting(True, title="Loop background video",
                         help="loop a shorter background video (else hold its last frame)")

    def __post_init__(self) -> None:
        check_fields(self)

    @property
    def kind(self) -> str:
        if self.path is None:
            return "color"
        from app.base.formats import is_image_path
        return "image" if is_image_path(self.path) else "video"


def parse_tiles(text: str | None) -> tuple[int, int] | str | None:
    """'auto', 'off' or 'COLSxROWS' (e.g. 3x2) -> 'auto', None or (cols, rows)."""
    if text is None or text.strip().lower() in ("", "off", "none"):
        return None
    t = text.strip().lower()
    if t == "auto":
        return "auto"
    parts = t.split("x")
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        cols, rows = int(parts[0]), int(parts[1])
        if 1 <= cols <= 8 and 1 <= rows <= 8:
            return cols, rows
    raise PoseCloakError(f"--tiles '{text}': use auto, off or COLSxROWS such as 3x2 (1 to 8 each).")


@dataclass(frozen=True)
class DetectionSettings:
    """How people are found in a frame (MediaPipe's options and tiles)."""

    max_people: int | None = setting(  # None: 4, or 16 with tiles
        None, title="Max people", low=1, high=64, step=1, parse=int, flag="--max-people",
        help=f"the most people found in one frame (default {DEFAULT_MAX_PEOPLE}, or "
        f"{DEFAULT_MAX_PEOPLE_WITH_TILES} when finding distant people)")
    min_detection_confidence: float = setting(
        0.5, title="Detection confidence", low=0.0, high=1.0, step=0.05,
        flag="--min-detection-confidence",
        help="how sure the detector must be that a person is there")
    min_presence_confidence: float = setting(
        0.5, title="Presence confidence", low=0.0, high=1.0, step=0.05,
        flag="--min-presence-confidence",
        help="how sure the model must be that a found person is still there")
    min_tracking_confidence: float = setting(
        0.5, title="Tracking confidence", low=0.0, high=1.0, step=0.05,
        flag="--min-tracking-confidence",
        help="below this, a tracked person is searched for again")
    tiles: str | None = setting(  # None (off), "auto" or "COLSxROWS" (parse_tiles)
        None, title="Find distant people", flag="--tiles", metavar="auto|COLSxROWS", parse=str,
        help="find distant people by detecting on overlapping upscaled tiles (slower)")
    device: str = setting(  # "gpu": MediaPipe's GPU delegate, falling back to the CPU
        "cpu", title="Runs on", choices=DEVICES, flag="--device",
        help="where the pose model runs: gpu uses MediaPipe's GPU delegate (Linux), and falls "
        "back to the CPU, saying so once, where it cannot start")
    person_detector: bool = setting(  # a pose is kept only where a person box agrees
        True, title="Person detector", flag="--no-person-detector", negated=True,
        help="person detector (a skeleton is drawn only where an independent detector finds a person)")

    def __post_init__(self) -> None:
        check_fields(self)

    @property
    def people_limit(self) -> int:
        """The most people per frame: as set, else the default for the mode."""
        if self.max_people is not None:
            return self.max_people
        return DEFAULT_MAX_PEOPLE if self.tile_grid is None else DEFAULT_MAX_PEOPLE_WITH_TILES

    @property
    def tile_grid(self) -> tuple[int, int] | str | None:
        grid = parse_tiles(self.tiles)
        return None if grid == (1, 1) else grid


@dataclass(frozen=True)
class PeopleSettings:
    """What happens to people over time: IDs, gaps, smoothing, hiding."""

    smoothing: float = setting(  # One-Euro strength (app/people/smoothing.py)
        0.0, title="Steadiness", low=0.0, high=1.0, step=0.05, flag="--smooth",
        metavar="STRENGTH",
        help="smoothing of jittery joints in previews, recordings, videos and keypoints "
        "alike (0 = off)")
    exclude_ids: frozenset[int] = setting(
        frozenset(), title="Left out", flag="--exclude-id", metavar="ID", parse=int,
        help="hide the person with this ID (repeatable)")
    only_largest: bool = setting(False, title="Main subject only", flag="--only-largest",
                                 help="keep only the largest person in each frame")
    interpolate_gaps: int = setting(  # 0/1 = off
        0, title="Fill gaps", unit="frames", low=0, step=1, flag="--interpolate-gaps",
        metavar="N", help="fill landmark gaps shorter than N frames")
    track_memory: int = setting(10, title="Track memory", unit="frames", low=0, step=1,
                                help="frames an unseen person keeps their ID")
    # On by default (README, Standard body): the analysis still uses the real landmarks.
    standard_body: bool = setting(
        True, title="Standard body", flag="--no-standard-body", negated=True,
        help="standard body: everyone redrawn on one template skeleton, so body size and "
        "proportions identify nobody (the analysis uses the real landmarks)")

    def __post_init__(self) -> None:
        check_fields(self)
        object.__setattr__(self, "exclude_ids", frozenset(int(i) for i in self.exclude_ids))


DEFAULT_CUTOFF_HZ = 6.0  # Winter's usual cutoff for gait kinematics (and Sports2D's)


@dataclass(frozen=True)
class AnalysisSettings:
    cutoff_hz: float = setting(
        DEFAULT_CUTOFF_HZ, title="Cutoff", unit="Hz", low=0.1, high=100.0, step=0.1,
        flag="--cutoff", metavar="HZ",
        help="low-pass cutoff of the joint angles (zero-lag Butterworth)")
    min_track_s: float = setting(0.5, title="Shortest track", unit="s", low=0.0,
                                 help="shorter tracks (spurious detections) are left out")
    title: str = setting("", title="Report title", flag="--title",
                         help="title of the report (it names no file unless you put the "
                         "name here)")  # only ever what the user typed

    def __post_init__(self) -> None:
        check_fields(self)


@dataclass(frozen=True)
class SkeletonSettings:
    """Everything that decides what an output looks like (CLI and GUI alike)."""

    style: RenderStyle = field(default_factory=RenderStyle)
    background: BackgroundSpec = field(default_factory=BackgroundSpec)
    detection: DetectionSettings = field(default_factory=DetectionSettings)
    people: PeopleSettings = field(default_factory=PeopleSettings)
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)  # report, JSON
    # Voices identify people: audio only on request. The CLI's --keep-audio
    # and --no-audio are a pair (app/cli/arguments.py).
    keep_audio: bool = setting(False, title="Keep audio",
                               help="keep the source's audio (off by default: voices can "
                               "identify people)")
    jobs: int = setting(0, title="Pose workers", low=0, step=1, flag="--jobs",
                        help="pose workers on separate chunks (0 = one per CPU core)")

    def __post_init__(self) -> None:
        check_fields(self)

    @property
    def min_confidence(self) -> float:
        """The one confidence threshold: a landmark below it is not drawn,
        is exported with valid = false, and counts as unseen for tracking
        and gap filling."""
        return self.style.min_confidence
