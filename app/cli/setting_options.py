"""The CLI's options for the settings, generated from each field's
description (app/base/setting_spec.py): type, range check, default, help
and choices; and the settings values read back from the parsed arguments."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable
from typing import Any

from app.base.setting_spec import SettingSpec, described_fields, spec_of


def dest_of(spec: SettingSpec) -> str:
    """The argparse attribute of a setting's flag (`--radius` -> `radius`)."""
    return spec.flag.lstrip("-").replace("-", "_")


def _parser_of(spec: SettingSpec, default: Any) -> Callable[[str], Any]:
    convert: Callable[[str], Any] = spec.parse or type(default)

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except (TypeError, ValueError) as exc:
            detail = str(exc) if spec.parse is not None else f"not a number: {text!r}"
            raise argparse.ArgumentTypeError(detail) from None
        problem = None if spec.choices is not None else spec.problem(value)
        if problem is not None:
            raise argparse.ArgumentTypeError(problem)
        return value
    return parse


def _help_of(spec: SettingSpec, default: Any) -> str:
    if spec.negated:
        return f"no {spec.help}"
    notes = []
    if spec.bounded:
        notes.append(spec.range_text().removeprefix("between ").replace(" and ", "-")
                     + (f" {spec.unit}" if spec.unit else ""))
    if isinstance(default, int | float) and not isinstance(default, bool):
        notes.append(f"default {default:g}")
    return spec.help + (f" [{', '.join(notes)}]" if notes else "")


def add_setting_option(group: Any, cls: type, name: str, **overrides: Any) -> None:
    """Adds the CLI option of setting `name` of `cls` to a parser or group;
    `overrides` (e.g. help) replace what the description gives."""
    spec = spec_of(cls, name)
    f = next(f for f in dataclasses.fields(cls) if f.name == name)
    default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
    if isinstance(default, bool):
        kwargs: dict[str, Any] = {"action": "store_true"}
    elif isinstance(default, frozenset):  # a repeatable option
        kwargs = {"type": _parser_of(spec, None), "action": "append", "default": []}
    else:
        kwargs = {"type": _parser_of(spec, default), "default": default}
        if spec.choices is not None:
            kwargs["choices"] = spec.choices
    if spec.metavar is not None:
        kwargs["metavar"] = spec.metavar
    kwargs["help"] = _help_of(spec, default)
    kwargs.update(overrides)
    group.add_argument(spec.flag, **kwargs)


def add_setting_options(group: Any, cls: type, *skip: str) -> None:
    """The CLI options of every setting of `cls` that has a flag, but `skip`."""
    for f, spec in described_fields(cls):
        if spec.flag and f.name not in skip:
            add_setting_option(group, cls, f.name)


def values_from_args(args: argparse.Namespace, cls: type) -> dict[str, Any]:
    """{field name: value} of the settings of `cls` that have a CLI flag."""
    values: dict[str, Any] = {}
    for f, spec in described_fields(cls):
        if not spec.flag:
            continue
        value = getattr(args, dest_of(spec))
        if spec.negated:
            value = not value
        elif isinstance(value, list):
            value = frozenset(value)
        values[f.name] = value
    return values
