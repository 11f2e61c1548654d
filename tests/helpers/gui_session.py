"""A whole desktop session, driven in a process of its own so a system-call
tracer can watch it (tests/test_privacy.py runs it under strace):

    python -m tests.helpers.gui_session CLIP WORKDIR

The real window on Qt's offscreen platform, with the real model: the live
preview of a video file, a recording of it, the live preview of a camera
(FFmpeg's lavfi capture device playing a picture of a person in real time,
the same CameraSource path as a webcam), and an export through the queue.
It lingers a moment after the work (MediaPipe's telemetry thread posts a
little after a landmarker starts), then closes the window, prints a JSON
summary and exits 0; any step that does not happen in time exits 1 naming it.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


class StepFailed(Exception):
    pass


def main(argv: list[str]) -> int:
    clip, work = Path(argv[0]), Path(argv[1])
    from PySide6.QtWidgets import QApplication

    from app.gui.shell.main_window import MainWindow
    from app.gui.shell.settings_store import SettingsStore
    from app.media.camera import CameraDevice
    from app.media.images import encode_image
    from app.media.video import probe
    from tests.helpers.clips import frames_of

    app = QApplication.instance() or QApplication(["posecloak-trace"])

    def wait(what: str, cond, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > deadline:
                raise StepFailed(f"timed out: {what}")
            app.processEvents()
            time.sleep(0.01)

    out = work / "out"
    out.mkdir(parents=True, exist_ok=True)
    window = MainWindow(SettingsStore(work / "settings.ini"))
    window.set_settings(window.settings.edited(output_dir=str(out), jobs=1))
    window.show()
    summary: dict[str, object] = {}
    try:
        wait("the model loads", lambda: window.model_path is not None, 120)
        live, bar = window.live, window.live.source_bar

        # Live preview of a file, and a recording of it.
        bar.set_file(clip)
        bar.start.click()
        wait("file preview frames", lambda: live.frames_shown >= 5, 120)
        bar.record.click()
        started = live.frames_shown
        wait("frames while recording", lambda: live.frames_shown >= started + 10, 120)
        bar.record.click()
        wait("the recording is written", lambda: any(out.glob("live-*.mp4")), 60)
        live.stop()
        wait("the file preview stops", lambda: not live.running, 30)
        [recording] = out.glob("live-*.mp4")
        summary["file_frames"] = live.frames_shown
        summary["recorded_frames"] = probe(recording, count_frames=True).frame_count

        # Live preview of a camera.
        still = work / "person.png"
        still.write_bytes(encode_image(frames_of(clip, 11)[10], ".png"))
        graph = f"movie={str(still).replace(':', chr(92) + ':')}:loop=0,setpts=N/(15*TB),realtime"
        bar.set_cameras([CameraDevice(0, "Traced camera", graph, "lavfi")])
        shown = live.frames_shown
        bar.start.click()
        wait("camera preview frames", lambda: live.frames_shown >= shown + 10, 120)
        live.stop()
        wait("the camera preview stops", lambda: not live.running, 30)
        summary["camera_frames"] = live.frames_shown - shown

        # An export through the queue.
        [row_id] = window.add_files([clip])
        rows = window.exports.model
        wait("the export finishes", lambda: rows.row(row_id).status.finished, 300)
        row = rows.row(row_id)
        if row.result is None:
            raise StepFailed(f"the export failed: {row.message}")
        summary["export"] = row.result.output.name
        summary["export_frames"] = probe(row.result.output, count_frames=True).frame_count

        end = time.monotonic() + 3.0
        wait("the linger", lambda: time.monotonic() > end, 10)
        errors = [box.text() for box in window.error_dialogs]
        if errors:
            raise StepFailed(f"error dialogs: {errors}")
    except StepFailed as exc:
        print(f"gui session: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        window.close()
        window.shutdown()
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
