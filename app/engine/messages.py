"""One line for any failure, as the CLI prints it and the app shows it."""

from __future__ import annotations

from pathlib import Path

from app.base.errors import PoseCloakError


def describe_error(exc: BaseException) -> str:
    """One line for any failure: ours as they are, others summarised."""
    if isinstance(exc, PoseCloakError):
        return str(exc)
    if isinstance(exc, OSError):
        from app.base.files import describe_os_error
        return describe_os_error(exc, Path(getattr(exc, "filename", None) or "output"))
    return f"unexpected error: {type(exc).__name__}: {exc}"
