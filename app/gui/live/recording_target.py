"""Where a live recording goes: a new file in the output folder, with
keypoints beside it when the user asked for them."""

from __future__ import annotations

from collections.abc import Callable

from app.engine.live_recorder import RecordRequest
from app.gui.live.live_panel import recording_name
from app.gui.panels.export_panel import output_dir_of
from app.studio.studio_settings import StudioSettings


def record_request(settings: StudioSettings,
                   show_error: Callable[[str, str], object]) -> RecordRequest | None:
    """The files of a new recording, or None (with a dialog) when the output
    folder cannot be made."""
    folder = output_dir_of(settings)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        show_error("Cannot record", f"{folder}: cannot create the folder ({exc.strerror}).")
        return None
    output = recording_name(folder)
    keypoints = (output.with_suffix(".json"),) if settings.record_keypoints else ()
    return RecordRequest(output, keypoints)
