"""Which modules a fresh app imports on its GUI thread once the window is up.

    python -m tests.helpers.gui_thread_imports CLIP OUT_DIR

Opens the real window (offscreen), waits for the model and for the
Plots and Analysis panels (the end of start-up), then records every module first imported on the
GUI thread while a synthetic camera streams to the live preview and CLIP is
exported from the queue to OUT_DIR (until its analysis is shown). Prints
one JSON line: {"imports": [...], "frames_shown": N, "exported": bool}.

A module first imported while the event loop runs blocks it for as long
as the import takes (NumPy's `numpy.ma`, pulled in by the first
`np.median`, took 40-70 ms of the GUI thread at the first live frame). It
has to run in a fresh process: in the test session, earlier tests have
imported everything already.
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
import time
from pathlib import Path


class _GuiThreadImports:
    """A meta path finder that finds nothing and notes what the GUI thread
    asked for (the finders are asked only for modules not imported yet)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self._gui = threading.main_thread()

    def find_spec(self, name, path=None, target=None):
        if threading.current_thread() is self._gui:
            self.names.append(name)
        return None


def _wait(app, done, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            return False
        app.processEvents()
        time.sleep(0.005)
    return True


def main(clip: Path, out_dir: Path) -> dict:
    from PySide6.QtWidgets import QApplication

    from app.gui.shell.main_window import MainWindow
    from app.gui.shell.settings_store import SettingsStore
    from app.media.video import VideoReader
    from tests.helpers.sources import SyntheticSource

    app = QApplication.instance() or QApplication(sys.argv[:1])
    pictures = [f.image for f, _ in zip(VideoReader(clip).frames(), range(30))]
    with tempfile.TemporaryDirectory() as tmp:
        window = MainWindow(SettingsStore(Path(tmp) / "s.ini"))
        window.set_settings(window.settings.edited(output_dir=str(out_dir), jobs=1))
        window.show()
        if not _wait(app, lambda: window.model_path is not None, 120):
            raise SystemExit("the model did not load")
        # Start-up is over once the Plots and Analysis panels are built
        # (after the window's import warm-up).
        if not _wait(app, lambda: window.bottom.panels_built, 60):
            raise SystemExit("the Plots and Analysis panels were not built")
        shown = [0]
        window.live.frame_shown.connect(lambda _frame: shown.__setitem__(0, shown[0] + 1))
        recorder = _GuiThreadImports()
        sys.meta_path.insert(0, recorder)
        try:
            window.live.start(SyntheticSource(pictures, fps=15))
            _wait(app, lambda: shown[0] >= 5, 60)
            done: list[object] = []
            window.exports.job_finished.connect(lambda _row, result: done.append(result))
            window.add_files([clip])
            exported = _wait(app, lambda: bool(done), 120)
            _wait(app, lambda: False, 1.0)  # the analysis tab, more live frames
        finally:
            sys.meta_path.remove(recorder)
        window.live.stop()
        window.close()
        window.shutdown()
    return {"imports": recorder.names, "frames_shown": shown[0], "exported": exported}


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), Path(sys.argv[2]))))
