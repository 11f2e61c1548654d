"""Words and numbers as the CLI and the app show them."""

from __future__ import annotations


def format_duration(seconds: float | None) -> str:
    """`1:05`, `1:02:03`; `--:--` when unknown."""
    if seconds is None:
        return "--:--"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


_PLURALS = {"person": "people"}


def count_of(n: int, noun: str) -> str:
    """`1 person`, `2 people`, `0 falls`: a number with its noun agreeing."""
    if n == 1:
        return f"1 {noun}"
    return f"{n} {_PLURALS.get(noun, noun + 's')}"


def standard_body_note(on: bool) -> str:
    """Which body exports get, in one line (the app's export panel and first run)."""
    if on:
        return ("Standard body on: everyone is exported on one template body, so height and "
                "proportions identify nobody (People tab).")
    return ("Standard body off: exports keep each person's own height and proportions, "
            "which can identify them (People tab).")
