"""GUI test fixtures: an isolated settings file, a window with the real
model, short real clips, and a check that no worker thread outlives a test."""

from __future__ import annotations

import threading
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from tests.helpers.clips import frames_of, write_clip


@pytest.fixture(scope="session")
def short_carphone(tmp_path_factory, carphone) -> Path:
    """2 s of carphone (60 frames, 192x144: QCIF 176x144 at 128:117 pixels, as shown)."""
    path = tmp_path_factory.mktemp("clips") / "carphone_2s.mp4"
    return write_clip(path, frames_of(carphone, 60))


@pytest.fixture(scope="session")
def short_vtest(tmp_path_factory, vtest) -> Path:
    """The first 3 s of vtest.avi (30 frames, 768x576, MPEG-4 in AVI)."""
    path = tmp_path_factory.mktemp("clips") / "vtest_3s.avi"
    return write_clip(path, frames_of(vtest, 30), codec="mpeg4", time_base=Fraction(1, 10),
                      rate=Fraction(10))


@pytest.fixture(scope="session")
def person_frames(carphone) -> list[np.ndarray]:
    """A few carphone frames: a person, for synthetic camera sources."""
    return frames_of(carphone, 30)


def _python_threads() -> list[threading.Thread]:
    # Threads Qt started show up as never-ending dummies once they ran Python
    # code; the windows' own QThreads are checked by `window_threads_ended`.
    return [t for t in threading.enumerate() if not isinstance(t, threading._DummyThread)]


@pytest.fixture(autouse=True)
def no_threads_left(qapp):
    """Every GUI test must end with no worker running: Qt's pool idle, and
    Python's threads back to those from before the test."""
    from PySide6.QtCore import QThreadPool
    before = set(_python_threads())
    yield
    pool = QThreadPool.globalInstance()
    assert pool.waitForDone(20000), "a pool task is still running"
    deadline = time.monotonic() + 10
    while set(_python_threads()) - before and time.monotonic() < deadline:
        qapp.processEvents()
        time.sleep(0.05)
    left = [t.name for t in set(_python_threads()) - before]
    assert not left, f"threads left running: {left}"


def window_threads_ended(window) -> None:
    assert not window.live.running, "the capture thread is still running"
    assert window.exports.finished, "the export thread is still running"


@pytest.fixture
def store(tmp_path):
    from app.gui.shell.settings_store import SettingsStore
    return SettingsStore(tmp_path / "settings" / "posecloak.ini")


@pytest.fixture
def out_dir(tmp_path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def open_window(qtbot, store, out_dir: Path | None = None, *, wait_model: bool = True):
    """A shown MainWindow on `store`; exports go to `out_dir` with one pose
    worker (tiny clips convert faster without chunking)."""
    from app.gui.shell.main_window import MainWindow
    window = MainWindow(store)
    qtbot.addWidget(window)
    if out_dir is not None:
        window.set_settings(window.settings.edited(output_dir=str(out_dir), jobs=1))
    window.show()
    if wait_model:
        qtbot.waitUntil(lambda: window.model_path is not None, timeout=60000)
    return window


@pytest.fixture
def window(qtbot, store, out_dir):
    window = open_window(qtbot, store, out_dir)
    yield window
    window.close()
    window_threads_ended(window)


def close_dialogs(window) -> list[str]:
    """Texts of the error dialogs shown so far, closing them."""
    texts = [box.text() for box in list(window.error_dialogs)]
    for box in list(window.error_dialogs):
        box.close()
    return texts
