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

from app.base.settings import (
    BackgroundSpec,
    FitMode,
    PeopleSettings,
    SkeletonSettings,
)

KEYPOINT_FORMATS = ("json", "csv")
# Saved-settings format. 2: audio became opt-in (a file from before says
# keep_audio=true because that was the default, so it is not read).
# 3: the settings value that exports use is one nested "skeleton" value.
SETTINGS_VERSION = 3
_SKELETON_FIELDS = frozenset(f.name for f in fields(SkeletonSettings))
# The app smooths by default (a live preview jitters without it); the preview,
# recordings and exports all use this one value (skeleton.people.smoothing).
APP_SMOOTHING = 0.5


def app_skeleton() -> SkeletonSettings:
    """The app's default skeleton settings: the CLI's, smoothed."""
    return SkeletonSettings(people=PeopleSettings(smoothing=APP_SMOOTHING))


@dataclass(frozen=True)
class StudioSettings:
    """The app's state as one value: the skeleton settings every export uses
    (exactly what the CLI builds from its flags) and what only the app has."""

    skeleton: SkeletonSettings = field(default_factory=app_skeleton)
    keypoints: tuple[str, ...] = ("json",)  # written beside each export
    transparent: bool = False  # export a see-through WebM layer instead of an MP4
    record_keypoints: bool = False
    report: bool = False  # write the analysis report (HTML, angles and events CSV) too
    output_dir: str = ""  # "" = the default folder
    offline: bool = False
    model_path: str = ""  # a pose model file the user chose; "" = found or downloaded
    theme: str = "system"  # system, light or dark
    alert_command: str = ""  # run at a live fall alert (as `watch --on-alert`); "" = none
    alert_url: str = ""  # POSTed each live fall alert as JSON (as `watch --alert-url`); "" = none

    def __post_init__(self) -> None:
        if self.alert_url and not self.alert_url.startswith(("http://", "https://")):
            raise ValueError("the alert URL must start with http:// or https://")

    # Read-only views of the skeleton settings, for the panels.
    style = property(lambda self: self.skeleton.style)
    background = property(lambda self: self.skeleton.background)
    detection = property(lambda self: self.skeleton.detection)
    people = property(lambda self: self.skeleton.people)
    keep_audio = property(lambda self: self.skeleton.keep_audio)
    jobs = property(lambda self: self.skeleton.jobs)

    def edited(self, **changes: Any) -> StudioSettings:
        """A copy with `changes`; skeleton fields (style, people, ...) go into
        the skeleton settings, the rest into the app's own."""
        inner = {k: v for k, v in changes.items() if k in _SKELETON_FIELDS}
        outer = {k: v for k, v in changes.items() if k not in _SKELETON_FIELDS}
        if inner:
            outer["skeleton"] = replace(self.skeleton, **inner)
        return replace(self, **outer)

    @property
    def video_suffix(self) -> str:
        return ".webm" if self.transparent else ".mp4"

    def convert_settings(self) -> SkeletonSettings:
        """What an export uses: the skeleton settings (a transparent export
        has no background)."""
        if self.transparent:
            return replace(self.skeleton, background=BackgroundSpec())
        return self.skeleton

    def live_skeleton(self) -> SkeletonSettings:
        """What the preview uses: the same (smoothing included), without gap
        filling (the preview cannot look ahead)."""
        people = replace(self.people, interpolate_gaps=0)
        return replace(self.skeleton, people=people)


# Parts of the settings a preset carries: the look, not the folders or modes.
PRESET_KEYS = ("skeleton.style", "skeleton.background", "skeleton.detection", "skeleton.people")


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


def to_dict(settings: StudioSettings, keys: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The JSON form; `keys` ("theme", "skeleton.style", ...)
    keeps only those parts (a preset)."""
    data = _encode(settings)
    if keys is None:
        data["version"] = SETTINGS_VERSION
        return data
    out: dict[str, Any] = {}
    for key in keys:
        outer, _, inner = key.partition(".")
        if inner:
            out.setdefault(outer, {})[inner] = data[outer][inner]
        else:
            out[outer] = data[outer]
    return out


def _rgb(v: Any) -> tuple[int, int, int]:
    rgb = tuple(int(c) for c in v)
    if len(rgb) != 3 or not all(0 <= c <= 255 for c in rgb):
        raise ValueError(v)
    return rgb[0], rgb[1], rgb[2]


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
    "max_people": _optional(int),
    "keypoints": lambda v: tuple(k for k in v if k in KEYPOINT_FORMATS),
}


def setting_paths(cls: Any = None, prefix: str = "") -> dict[str, Any]:
    """{"skeleton.style.thickness": RenderStyle, ...}: every saved field's
    dotted key and the dataclass it belongs to (nested values included, as
    "skeleton.style")."""
    cls = StudioSettings if cls is None else cls
    paths: dict[str, Any] = {}
    defaults = cls()
    for f in fields(cls):
        key = prefix + f.name
        paths[key] = cls
        value = getattr(defaults, f.name)
        if hasattr(value, "__dataclass_fields__"):
            paths.update(setting_paths(type(value), key + "."))
    return paths


def check_keys() -> None:
    """Preset keys and converter names must name settings fields, so a field
    renamed in app/base/settings.py cannot silently stop being saved."""
    paths = setting_paths()
    names = {key.rpartition(".")[2] for key in paths}
    unknown = [k for k in PRESET_KEYS if k not in paths] + [
        k for k in _CONVERTERS if k not in names]
    if unknown:
        raise AssertionError(f"saved-settings keys that name no field: {unknown}")


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


def _version(data: dict[str, Any]) -> int:
    version = data.get("version")
    return version if isinstance(version, int) and not isinstance(version, bool) else 1


def _from_flat(data: dict[str, Any]) -> dict[str, Any]:
    """A file (or preset) from before version 3, flat: its skeleton parts
    move into "skeleton"; "pose" is now "detection", which also takes the
    people's "tiles"; "export_smoothing" is the skeleton's smoothing."""
    skeleton: dict[str, Any] = {
        k: data[k] for k in ("style", "background", "keep_audio", "jobs") if k in data}
    if _version(data) < 2:
        skeleton.pop("keep_audio", None)
    detection = dict(data.get("pose") or {})
    people = dict(data.get("people") or {})
    if "tiles" in people:
        detection["tiles"] = people.pop("tiles")
    if "export_smoothing" in data:
        people["smoothing"] = data["export_smoothing"]
    if detection:
        skeleton["detection"] = detection
    if people:
        skeleton["people"] = people
    rest = {k: v for k, v in data.items() if k not in (
        "style", "background", "keep_audio", "jobs", "pose", "people", "export_smoothing")}
    return {**rest, "skeleton": skeleton}


def from_dict(data: Any, base: StudioSettings | None = None) -> StudioSettings:
    """Settings from `to_dict` output laid over `base` (defaults if None)."""
    if isinstance(data, dict) and "skeleton" not in data and _version(data) < 3:
        data = _from_flat(data)
    return _merge(base or StudioSettings(), data)


check_keys()
