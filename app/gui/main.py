"""Entry point of the desktop app: `posecloak`, `posecloak gui` or `posecloak-gui`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="posecloak gui", description="Open the PoseCloak window.")
    parser.add_argument("--model", type=Path, help="pose model (.task) to use")
    parser.add_argument("--settings", type=Path,
                        help="settings file to use instead of the user's (tests, kiosks)")
    parser.add_argument("--quit-after", type=int, metavar="MS",
                        help="quit cleanly after MS milliseconds (smoke tests)")
    parser.add_argument("files", nargs="*", type=Path, help="files to queue for conversion")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    from app.gui.shell.startup_check import startup_problem
    problem = startup_problem()
    if problem is not None:
        print(f"posecloak: error: {problem}", file=sys.stderr)
        return 1
    from PySide6.QtCore import QCoreApplication, QTimer
    from PySide6.QtWidgets import QApplication

    from app import __version__
    from app.gui.shell.settings_store import APPLICATION, ORGANIZATION, SettingsStore
    from app.pose.estimator import silence_native_logs

    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QCoreApplication.setApplicationVersion(__version__)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setDesktopFileName("posecloak")

    from app.gui.icons import app_icon
    from app.gui.shell.main_window import MainWindow
    from app.gui.shell.theme import ThemeManager

    store = SettingsStore(args.settings)
    theme = ThemeManager(app)
    app.setWindowIcon(app_icon())
    window = MainWindow(store, model=args.model, theme=theme)
    window.show()
    # Only now: until the window is up, Qt's own messages say what went wrong.
    silence_native_logs()
    if args.files:
        window.add_files(args.files)
    if args.quit_after is not None:
        QTimer.singleShot(max(0, args.quit_after), window.close)
    code = app.exec()
    window.shutdown()
    return code


if __name__ == "__main__":
    sys.exit(main())
