"""Each setting is described once (app/base/setting_spec.py): every field of
every settings value carries its description, and the CLI, the dataclass
check and the saved settings agree with it, field by field."""

from __future__ import annotations

import dataclasses
import json

import pytest

from app.base.setting_spec import SettingSpec, described_fields, spec_of
from app.base.settings import (
    AnalysisSettings,
    BackgroundSpec,
    DetectionSettings,
    PeopleSettings,
    SkeletonSettings,
)
from app.base.style import RenderStyle
from app.cli.arguments import build_parser, settings_from_args
from app.cli.setting_options import dest_of
from app.studio.studio_settings import (
    PRESET_KEYS,
    StudioSettings,
    from_dict,
    setting_paths,
    to_dict,
)

SECTIONS = {"style": RenderStyle, "background": BackgroundSpec, "detection": DetectionSettings,
            "people": PeopleSettings, "analysis": AnalysisSettings}
CLASSES = (*SECTIONS.values(), SkeletonSettings)
# Settings the CLI sets through an option of its own shape: --background is a
# colour or a file, --bg-loop/--bg-hold and --keep-audio/--no-audio are pairs.
# The rest without a flag exist in the app or the API only.
NO_FLAG = {"color": BackgroundSpec, "path": BackgroundSpec, "loop": BackgroundSpec,
           "keep_audio": SkeletonSettings, "track_memory": PeopleSettings,
           "min_track_s": AnalysisSettings}


def _all_specs() -> list[tuple[type, str, SettingSpec]]:
    return [(cls, f.name, spec) for cls in CLASSES for f, spec in described_fields(cls)]


SPECS = _all_specs()
FLAGGED = [(cls, name, spec) for cls, name, spec in SPECS if spec.flag]
BOUNDED = [(cls, name, spec) for cls, name, spec in SPECS if spec.bounded]


def _id(item) -> str:
    return f"{item[0].__name__}.{item[1]}"


def test_every_field_is_described():
    for cls in CLASSES:
        for f in dataclasses.fields(cls):
            if f.name in SECTIONS and cls is SkeletonSettings:
                continue  # a nested settings value, described field by field
            spec = spec_of(cls, f.name)
            assert spec.title and spec.help, f"{cls.__name__}.{f.name}"
            assert bool(spec.flag) != (NO_FLAG.get(f.name) is cls), f"{cls.__name__}.{f.name}"


def _parse(*argv: str):
    return settings_from_args(build_parser().parse_args(["convert", "x.mp4", *argv]))


def _section(settings: SkeletonSettings, cls: type):
    if cls is SkeletonSettings:
        return settings
    return getattr(settings, next(k for k, v in SECTIONS.items() if v is cls))


def _text(value: float) -> str:
    return f"{value:g}"


def _step(spec: SettingSpec) -> float:
    return spec.step if spec.step is not None else 0.01


@pytest.mark.parametrize("item", [i for i in FLAGGED if i[2].bounded], ids=_id)
def test_the_cli_takes_the_range_and_refuses_just_outside(item, capsys):
    cls, name, spec = item
    ends = [spec.low, spec.high if spec.high is not None else 10_000]
    for value in ends:
        got = getattr(_section(_parse(spec.flag, _text(value)), cls), name)
        assert got == value, (spec.flag, value)
    outside = [v for v in (None if spec.low is None else spec.low - _step(spec),
                           None if spec.high is None else spec.high + _step(spec))
               if v is not None]
    assert outside
    for value in outside:
        with pytest.raises(SystemExit) as exit_:
            _parse(spec.flag, _text(value))
        assert exit_.value.code == 2, (spec.flag, value)
        assert f"{spec.flag}: must be" in capsys.readouterr().err


@pytest.mark.parametrize("item", [i for i in FLAGGED if i[2].choices], ids=_id)
def test_the_cli_takes_each_choice_and_refuses_others(item, capsys):
    cls, name, spec = item
    for choice in spec.choices:
        assert getattr(_section(_parse(spec.flag, str(choice)), cls), name) == choice
    with pytest.raises(SystemExit) as exit_:
        _parse(spec.flag, "no-such-choice")
    assert exit_.value.code == 2 and spec.flag in capsys.readouterr().err


@pytest.mark.parametrize("item", FLAGGED, ids=_id)
def test_the_cli_default_is_the_field_default(item):
    cls, name, _spec = item
    assert getattr(_section(_parse(), cls), name) == getattr(cls(), name)


@pytest.mark.parametrize("item", [i for i in FLAGGED if isinstance(getattr(i[0](), i[1]), bool)],
                         ids=_id)
def test_a_switch_flips_its_setting(item):
    cls, name, spec = item
    default = getattr(cls(), name)
    assert getattr(_section(_parse(spec.flag), cls), name) is (not default)
    assert spec.negated is default  # an on-by-default setting has a --no- switch
    assert spec.flag.startswith("--no-") is default


@pytest.mark.parametrize("item", BOUNDED, ids=_id)
def test_the_dataclass_takes_the_range_and_refuses_just_outside(item):
    cls, name, spec = item
    for value in (spec.low, spec.high):
        if value is not None:
            assert getattr(cls(**{name: value}), name) == value
    for value in (None if spec.low is None else spec.low - _step(spec),
                  None if spec.high is None else spec.high + _step(spec)):
        if value is not None:
            with pytest.raises(ValueError, match="must be"):
                cls(**{name: value})
    if spec.slider is not None:  # a narrower slider lies inside the valid range
        assert spec.low <= spec.slider[0] < spec.slider[1] <= spec.high


def _other_value(cls: type, name: str, spec: SettingSpec):
    """A valid value other than the default."""
    default = getattr(cls(), name)
    if isinstance(default, bool):
        return not default
    if spec.choices:
        return next(c for c in spec.choices if c != default)
    if spec.bounded:
        return spec.high if spec.high is not None else (spec.low or 0) + 7
    if "color" in name:
        return (10, 20, 30)
    return {"path": None, "exclude_ids": frozenset({3, 5}), "tiles": "3x2",
            "title": "Gait, left"}.get(name, default)


def _edited(settings: StudioSettings, cls: type, name: str, value) -> StudioSettings:
    if cls is SkeletonSettings:
        return settings.edited(**{name: value})
    section = next(k for k, v in SECTIONS.items() if v is cls)
    return settings.edited(**{section: dataclasses.replace(getattr(settings.skeleton, section),
                                                           **{name: value})})


@pytest.mark.parametrize("item", SPECS, ids=_id)
def test_a_saved_setting_and_a_preset_round_trip(item):
    cls, name, spec = item
    value = _other_value(cls, name, spec)
    chosen = _edited(StudioSettings(), cls, name, value)
    assert getattr(_section(chosen.skeleton, cls), name) == value
    back = from_dict(json.loads(json.dumps(to_dict(chosen))))
    assert back == chosen
    key = next(k for k, owner in setting_paths().items()
               if owner is cls and k.endswith("." + name))
    if any(key.startswith(p + ".") for p in PRESET_KEYS):
        preset = json.loads(json.dumps(to_dict(chosen, PRESET_KEYS)))
        assert from_dict(preset, StudioSettings()) == chosen


def test_a_saved_value_outside_its_range_falls_back_to_the_default():
    data = to_dict(StudioSettings())
    data["skeleton"]["style"]["thickness"] = spec_of(RenderStyle, "thickness").high + 1
    data["skeleton"]["style"]["opacity"] = 0.3
    back = from_dict(data)
    assert back.style.thickness == RenderStyle().thickness and back.style.opacity == 0.3


def test_the_options_read_back_through_their_dest():
    args = build_parser().parse_args(["convert", "x.mp4"])
    for _cls, _name, spec in FLAGGED:
        assert hasattr(args, dest_of(spec)), spec.flag
