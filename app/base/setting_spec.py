"""Each setting described once: its title, help, unit, valid range, choices
and step live on the settings dataclass field itself (`setting(...)`), and
everything else is generated from or checked against that one description:
the dataclass's own check (`check_fields`, called by each `__post_init__`),
the CLI's options (app/cli/arguments.py), the app's controls' ranges, steps
and tooltips (app/gui), and the keys of saved settings and presets
(app/studio/studio_settings.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

_KEY = "setting"


@dataclass(frozen=True)
class SettingSpec:
    """How one settings field is described to people and checked.

    `low`/`high` bound the valid range (None: unbounded on that side);
    `slider` is a narrower range an app slider may show for comfort (the
    valid range stays `low..high`; README.md says where). `flag` is the CLI
    option ("" when the CLI has none); `negated` makes a bool field an
    `--no-...` switch that turns it off."""

    title: str
    help: str
    unit: str = ""
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple[Any, ...] | None = None
    flag: str = ""
    metavar: str | None = None
    negated: bool = False
    slider: tuple[float, float] | None = None
    fmt: str = "{:.2f}"  # how the app shows a value beside its slider
    parse: Callable[[str], Any] | None = None  # CLI text -> value; None: the default's type

    @property
    def bounded(self) -> bool:
        return self.low is not None or self.high is not None

    def range_text(self) -> str:
        lo = "" if self.low is None else f"{self.low:g}"
        hi = "" if self.high is None else f"{self.high:g}"
        if self.low is not None and self.high is not None:
            return f"between {lo} and {hi}"
        return f"at least {lo}" if self.low is not None else f"at most {hi}"

    def problem(self, value: Any) -> str | None:
        """Why `value` is not valid for this setting, or None when it is."""
        if value is None:
            return None
        if self.choices is not None and value not in self.choices:
            return "must be one of " + ", ".join(str(c) for c in self.choices)
        if self.bounded and not isinstance(value, bool) and isinstance(value, int | float):
            if (self.low is not None and value < self.low) or (
                    self.high is not None and value > self.high):
                return f"must be {self.range_text()}"
        return None


def setting(default: Any = dataclasses.MISSING, *,
            default_factory: Callable[[], Any] | Any = dataclasses.MISSING,
            title: str, help: str, unit: str = "",
            low: float | None = None, high: float | None = None, step: float | None = None,
            choices: tuple[Any, ...] | None = None, flag: str = "",
            metavar: str | None = None, negated: bool = False,
            slider: tuple[float, float] | None = None, fmt: str = "{:.2f}",
            parse: Callable[[str], Any] | None = None) -> Any:
    """A dataclass field carrying its SettingSpec (use in place of a plain
    default: `thickness: float = setting(4.0, title=..., low=0, high=20)`)."""
    spec = SettingSpec(title=title, help=help, unit=unit, low=low, high=high, step=step,
                       choices=choices, flag=flag, metavar=metavar, negated=negated,
                       slider=slider, fmt=fmt, parse=parse)
    return dataclasses.field(default=default, default_factory=default_factory,
                             metadata={_KEY: spec})


def spec_of(cls_or_value: Any, name: str) -> SettingSpec:
    """The description of field `name` of a settings dataclass (or value)."""
    for f in dataclasses.fields(cls_or_value):
        if f.name == name and _KEY in f.metadata:
            return f.metadata[_KEY]
    raise KeyError(f"{name} is not a described setting of {cls_or_value!r}")


def described_fields(cls_or_value: Any) -> Iterator[tuple[dataclasses.Field[Any], SettingSpec]]:
    """The fields of a settings dataclass that carry a description, in order."""
    for f in dataclasses.fields(cls_or_value):
        if _KEY in f.metadata:
            yield f, f.metadata[_KEY]


def check_fields(value: Any) -> None:
    """Raises ValueError naming the first field of `value` outside its
    described range or choices (each dataclass's `__post_init__` calls this)."""
    for f, spec in described_fields(value):
        current = getattr(value, f.name)
        problem = spec.problem(current)
        if isinstance(f.default, bool) and not isinstance(current, bool):
            problem = "is on (True) or off (False)"  # a switch, never "yes"
        if problem is not None:
            raise ValueError(f"{f.name.replace('_', ' ')} {problem}")
