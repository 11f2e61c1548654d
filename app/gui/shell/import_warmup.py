"""Imports the window needs only later, done on a helper thread once it is up.

Heavy modules stay out of start-up (the window shows sooner), but the first
use of one must not import it on the GUI thread either: pyqtgraph took about
a second of the event loop right after start, the Analysis view's module
tens of milliseconds when the first export finished, and NumPy's `numpy.ma`
(pulled in by the first `np.median`) 40-70 ms at the first live frame.
Importing a module creates no Qt object (pyqtgraph connects to the
application only when its first view is made), so a helper thread may do it.
"""

from __future__ import annotations

import importlib
import threading

from PySide6.QtCore import QObject, Signal

LATER_MODULES = (
    "numpy.ma",
    "pyqtgraph",
    "app.gui.analysis.plots",
    "app.gui.analysis.analysis_view",
)


class ImportWarmup(QObject):
    """Thread: made, started and stopped on the GUI thread; `done` is emitted
    from the helper thread once every module is imported, and reaches slots
    queued, on the GUI thread."""

    done = Signal()

    def __init__(self, modules: tuple[str, ...] = LATER_MODULES,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.modules = modules
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    def start(self) -> None:
        if self._thread is not None or self._stopped.is_set():
            return
        self._thread = threading.Thread(target=self._run, name="posecloak-import-warmup",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """No further import starts; waits for the one under way (imports
        cannot be interrupted; each takes a second at most)."""
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self) -> None:
        for name in self.modules:
            if self._stopped.is_set():
                return
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the first real use raises it where it is shown
                pass
        if not self._stopped.is_set():
            self.done.emit()
