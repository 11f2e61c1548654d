"""Renders the main window with a live preview frame to a PNG.

    python -m tools.screenshot OUT.png [--source VIDEO] [--convert FILE ...]
                                 [--theme dark|light] [--tab queue|plots|analysis]

Runs on any Qt platform (offscreen or Xvfb); uses a throw-away settings file,
so the user's settings are never touched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
DEFAULT_MEDIA = SHARED / "media"


def _wait(app, condition, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.screenshot")
    parser.add_argument("output", type=Path)
    parser.add_argument("--source", type=Path, default=DEFAULT_MEDIA / "carphone_pristine.mp4",
                        help="video played as the live source")
    parser.add_argument("--convert", type=Path, nargs="*", default=None,
                        help="files to put in the queue (default: the source)")
    parser.add_argument("--theme", choices=("system", "dark", "light"), default="dark")
    parser.add_argument("--tab", choices=("queue", "plots", "analysis"), default="queue",
                        help="analysis: waits for the queued files to finish and shows the "
                        "last one's analysis")
    parser.add_argument("--panel", choices=("style", "background", "people", "export"),
                        default="style", help="the settings tab shown on the right")
    parser.add_argument("--raw", action="store_true", help="show the raw picture beside")
    parser.add_argument("--size", default="1360x860")
    parser.add_argument("--seconds", type=float, default=6.0, help="live time before the shot")
    args = parser.parse_args(argv)
    shared_model = SHARED / "models" / "pose_landmarker_full.task"
    if shared_model.is_file():
        os.environ.setdefault("POSECLOAK_MODEL", str(shared_model))

    from PySide6.QtWidgets import QApplication

    from app.gui.shell.main_window import MainWindow
    from app.gui.shell.settings_store import SettingsStore
    from app.gui.shell.theme import ThemeManager
    from app.media.sources import FileSource

    app = QApplication.instance() or QApplication([sys.argv[0]])
    with tempfile.TemporaryDirectory() as tmp:
        store = SettingsStore(Path(tmp) / "settings.ini")
        theme = ThemeManager(app)
        window = MainWindow(store, theme=theme)
        from dataclasses import replace
        window.set_settings(replace(window.settings, output_dir=str(Path(tmp) / "out"),
                                    theme=args.theme))
        theme.apply(args.theme)
        w, h = (int(v) for v in args.size.split("x"))
        window.resize(w, h)
        window.show()
        if not _wait(app, lambda: window.model_path is not None, 60):
            print("the pose model did not load", file=sys.stderr)
        window.live.source_bar.set_file(args.source)
        if args.raw:
            window.live.source_bar.show_raw.click()
        window.live.start(FileSource(args.source))
        for path in args.convert if args.convert is not None else [args.source]:
            window.add_files([path])
        _wait(app, lambda: window.live.frames_shown > 0, 60)
        end = time.monotonic() + args.seconds
        _wait(app, lambda: time.monotonic() > end, args.seconds + 1)
        if args.tab == "analysis":
            _wait(app, lambda: all(r.status.finished for r in window.exports.model.rows()), 300)
            window.bottom_tabs.setCurrentWidget(window.analysis_view)
        else:
            window.bottom_tabs.setCurrentIndex(1 if args.tab == "plots" else 0)
        panels = ("style", "background", "people", "export")
        window.side_tabs.setCurrentIndex(panels.index(args.panel))
        window.plots.redraw()
        _wait(app, lambda: False, 0.3)
        ok = window.grab().save(str(args.output))
        window.close()
    print(args.output if ok else "could not save the screenshot")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
