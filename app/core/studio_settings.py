"""The desktop app's settings as one frozen value, and its JSON form.

`StudioSettings` holds everything the user chose in the GUI; the live preview
and exports derive their pipeline settings from it, so both see one truth.
`to_dict`/`from_dict` give a JSON-safe form for saved settings and presets;
reading is forgiving (unknown keys ignored, a bad value falls back to its
default) so an old or hand-edited file never stops the app from starting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from enum import Enum
from pathlib import Path
from typing import Any

from app.core.background import BackgroundSpec, FitMode
from app.core.people import PeopleOptions
from app.core.pipeline import ConvertSettings
from app.core.pose import PoseOptions
from app.core.style import RenderStyle

KEYPOINT_FORMATS = ("json", "csv")
# Saved-settings format. 2: audio became opt-in. A file from before says
# keep_audio=true because that was the default, not because the user chose
# it, so its keep_audio is not read.
SETTINGS_VERSION = 2


@dataclass(frozen=True)
class StudioSettings:
    style: RenderStyle = field(default_factory=RenderStyle)
    background: BackgroundSpec = field(default_factory=BackgroundSpec)
    pose: PoseOptions = field(default_factory=PoseOptions)
    # Shared by preview and export (tiles, main subject, excluded IDs); the
    # smoothing strength in here is ignored: each use has its own below.
    people: PeopleOptions = field(default_factory=PeopleOptions)
    live_smoothing: float = 0.5  # the preview jitters without it
    export_smoothing: float = 0.0  # exports keep the raw motion unless asked
    keypoints: tuple[str, ...] = ("json",)  # written beside each export
    keep_audio: bool = False  # voices identify people: off unless ticked
    transparent: bool = False  # export a see-through WebM layer instead of an MP4
    record_keypoints: bool = False
    report: bool = False  # write the analysis report (HTML, angles and events CSV) too
    output_dir: str = ""  # "" = the default folder
    offline: bool = False
    theme: str = "system"  # system, light or dark
    jobs: int = 0

    @property
    def video_suffix(self) -> str:
        return ".webm" if self.transparent else ".mp4"

    def convert_settings(self) -> ConvertSettings:
        """What an export uses: the same value the CLI would build (a
        transparent export has no background)."""
        background = BackgroundSpec() if self.transparent else self.background
        return ConvertSettings(style=self.style, background=background, pose=self.pose,
                               people=replace(self.people, smoothing=self.export_smoothing),
                               keep_audio=self.keep_audio, jobs=self.jobs)

    def live_people(self) -> PeopleOptions:
        # The preview cannot look ahead, so no gap interpolation there.
        return replace(self.people, smoothing=self.live_smoothing, interpolate_gaps=0)


# Parts of the settings a preset carries: the look, not the folders or modes.
PRESET_KEYS = ("style", "background", "pose", "people", "live_smoothing", "export_smoothing")


def _encode(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _encode(getattr(value, f.name)) for f in fields(value)}
    return value


def to_dict(settings: StudioSettings, keys: tuple[str, ...] | None = None) -> dict:
    data = _encode(settings)
    data = {k: v for k, v in data.items() if keys is None or k in keys}
    if keys is None:
        data["version"] = SETTINGS_VERSION
    return data


def _rgb(v: Any) -> tuple[int, int, int]:
    rgb = tuple(int(c) for c in v)
    if len(rgb) != 3 or not all(0 <= c <= 255 for c in rgb):
        raise ValueError(v)
    return rgb  # type: ignore[return-value]


def _optional(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda v: None if v is None else convert(v)


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise ValueError(v)
    return v


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "color": _rgb, "left_color": _optional(_rgb), "right_color": _optional(_rgb),
    "center_color": _optional(_rgb), "path": _optional(Path), "fit": FitMode,
    "exclude_ids": lambda v: frozenset(int(i) for i in v), "tiles": _optional(str),
    "keypoints": lambda v: tuple(k for k in v if k in KEYPOINT_FORMATS),
}


def _converter(name: str, default: Any) -> Callable[[Any], Any]:
    if name in _CONVERTERS:
        return _CONVERTERS[name]
    if isinstance(default, bool):
        return _bool
    return type(default)


def _merge(base: Any, data: Any) -> Any:
    """`base` (a dataclass value) with the fields in `data` that are valid."""
    if not isinstance(data, dict):
        return base
    changes = {}
    for f in fields(base):
        if f.name not in data:
            continue
        current = getattr(base, f.name)
        try:
            if hasattr(current, "__dataclass_fields__"):
                changes[f.name] = _merge(current, data[f.name])
            else:
                changes[f.name] = _converter(f.name, current)(data[f.name])
        except (TypeError, ValueError):
            continue
    try:
        return replace(base, **changes)
    except (TypeError, ValueError):
        # Individually fine, jointly invalid: keep what still validates.
        for name, value in changes.items():
            try:
                base = replace(base, **{name: value})
            except (TypeError, ValueError):
                pass
        return base


def from_dict(data: Any, base: StudioSettings | None = None) -> StudioSettings:
    """Settings from `to_dict` output laid over `base` (defaults if None)."""
    if isinstance(data, dict) and "keep_audio" in data:
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 2:
            data = {k: v for k, v in data.items() if k != "keep_audio"}
    return _merge(base or StudioSettings(), data)
