"""User-facing errors: each carries one sentence that says what to do."""

from __future__ import annotations


class PoseCloakError(Exception):
    """An error whose message is fit to show a user as it is (no traceback)."""


class InputError(PoseCloakError):
    """The input file is missing, unreadable or holds no usable video."""


class OutputError(PoseCloakError):
    """The output cannot be written (folder, permissions, disk space, name)."""


class ModelError(PoseCloakError):
    """The pose model is missing, corrupt or cannot be downloaded."""


class BackgroundError(PoseCloakError):
    """The chosen background image or video cannot be used."""


class Cancelled(PoseCloakError):
    """The user cancelled the operation; nothing was written."""

    def __init__(self, message: str = "Cancelled; nothing was written.") -> None:
        super().__init__(message)
