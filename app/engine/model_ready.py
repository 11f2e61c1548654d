"""The pose model ready to use: found (or downloaded once, unless offline)
and loaded once, so a bad file fails before any work. The CLI and the app
both call this."""

from __future__ import annotations

from pathlib import Path

from app.pose.estimator import check_model_loads
from app.pose.model import DEFAULT_VARIANT, ProgressFn, resolve_model


def ready_model(explicit: Path | str | None = None, variant: str = DEFAULT_VARIANT, *,
                offline: bool | None = None, progress: ProgressFn | None = None) -> Path:
    """The model's path. Blocking (a download, a model load): not on a GUI thread."""
    path = resolve_model(explicit, variant, offline=offline, progress=progress)
    check_model_loads(path)
    return path
