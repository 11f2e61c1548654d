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

    color: RGB = (0, 0, 0)
    path: Path | None = None
    fit: FitMode = FitMode.FIT
    loop: bool = True  # background video: loop (True) or hold its last frame

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

    max_people: int | None = None  # None: 4, or 16 with tiles
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    tiles: str | None = None  # None (off), "auto" or "COLSxROWS"
    device: str = "cpu"  # "gpu": MediaPipe's GPU delegate, falling back to the CPU

    def __post_init__(self) -> None:
        if self.device not in DEVICES:
            raise ValueError("the device is cpu or gpu")
        if self.max_people is not None and not 1 <= self.max_people <= 64:
            raise ValueError("max people must be between 1 and 64")
        for v in (self.min_detection_confidence, self.min_presence_confidence,
                  self.min_tracking_confidence):
            if not 0.0 <= v <= 1.0:
                raise ValueError("confidences must be between 0 and 1")

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

    smoothing: float = 0.0  # One-Euro strength 0..1, 0 = off (app/people/smoothing.py)
    exclude_ids: frozenset[int] = frozenset()
    only_largest: bool = False  # keep the main subject only
    interpolate_gaps: int = 0  # fill gaps shorter than this many frames (0/1 = off)
    track_memory: int = 10  # frames an unseen person keeps their ID
    # Redraw everyone on one template skeleton, so body size and proportions
    # identify nobody (app/people/standard_body.py); on by default (README).
    standard_body: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.standard_body, bool):
            raise ValueError("standard body is on (True) or off (False)")
        if not 0.0 <= self.smoothing <= 1.0:
            raise ValueError("smoothing strength must be between 0 and 1")
        if self.interpolate_gaps < 0 or self.track_memory < 0:
            raise ValueError("frame counts must be 0 or more")
        object.__setattr__(self, "exclude_ids", frozenset(int(i) for i in self.exclude_ids))


DEFAULT_CUTOFF_HZ = 6.0  # Winter's usual cutoff for gait kinematics (and Sports2D's)


@dataclass(frozen=True)
class AnalysisSettings:
    cutoff_hz: float = DEFAULT_CUTOFF_HZ  # zero-lag Butterworth low-pass of the angles
    min_track_s: float = 0.5  # shorter tracks (spurious detections) are left out
    title: str = ""  # shown in the report; only ever what the user typed

    def __post_init__(self) -> None:
        if not 0.0 < self.cutoff_hz <= 100.0:
            raise ValueError("the cutoff must be between 0 and 100 Hz")


@dataclass(frozen=True)
class SkeletonSettings:
    """Everything that decides what an output looks like (CLI and GUI alike)."""

    style: RenderStyle = field(default_factory=RenderStyle)
    background: BackgroundSpec = field(default_factory=BackgroundSpec)
    detection: DetectionSettings = field(default_factory=DetectionSettings)
    people: PeopleSettings = field(default_factory=PeopleSettings)
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)  # report, JSON
    keep_audio: bool = False  # voices identify people: audio only on request
    jobs: int = 0  # pose workers; 0 = one per CPU core

    @property
    def min_confidence(self) -> float:
        """The one confidence threshold: a landmark below it is not drawn,
        is exported with valid = false, and counts as unseen for tracking
        and gap filling."""
        return self.style.min_confidence
