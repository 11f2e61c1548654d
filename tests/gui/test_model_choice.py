"""No pose model and no internet, as a new user meets it: the dialog says so
in plain words and offers "Choose model file..." and "Retry download"; a
chosen file is used for exports and remembered by the next window."""

from __future__ import annotations

import shutil

import pytest

from app.gui.exports.export_queue import RowStatus
from app.gui.shell.model_controller import CHOOSE_TEXT, RETRY_TEXT
from tests.gui.conftest import close_dialogs, open_window, window_threads_ended
from tests.helpers.local_http import Origin


@pytest.fixture
def no_model_anywhere(monkeypatch, tmp_path):
    """No model in the environment, bundled or cached; the download server
    answers 503 (a stand-in for no internet)."""
    import app.pose.model as model
    monkeypatch.delenv("POSECLOAK_MODEL", raising=False)
    monkeypatch.delenv("POSECLOAK_OFFLINE", raising=False)
    monkeypatch.setattr(model, "bundled_dirs", lambda: [tmp_path / "none"])
    monkeypatch.setattr(model, "cache_dir", lambda: tmp_path / "cache")
    with Origin(b"Service Unavailable", status=503) as down:
        monkeypatch.setattr(model, "_URL", down.url.replace("full", "{v}"))
        yield monkeypatch


def _model_dialog(window):
    boxes = [b for b in window.error_dialogs if b.objectName() == "ModelDialog"]
    assert len(boxes) == 1, [b.text() for b in window.error_dialogs]
    return boxes[0]


def _button(box, text):
    [button] = [b for b in box.buttons() if b.text() == text]
    return button


def test_choose_a_model_file_export_and_it_is_remembered(qtbot, store, out_dir, tmp_path,
                                                         no_model_anywhere, model_path,
                                                         short_carphone):
    mine = tmp_path / "my models" / "pose.task"
    mine.parent.mkdir()
    shutil.copy(model_path, mine)
    window = open_window(qtbot, store, out_dir, wait_model=False)
    qtbot.waitUntil(lambda: bool(window.error_dialogs), timeout=30000)
    box = _model_dialog(window)
    words = box.text()
    # Words for people: what is missing, why, what to do; no errno, no variable.
    assert words.startswith("PoseCloak needs its pose model (9 MB) and could not download it")
    assert "error 503" in words and "Choose a model file you have" in words
    assert "Errno" not in words and "POSECLOAK" not in words and "--model" not in words
    assert _button(box, RETRY_TEXT).isEnabled()
    panel = window.export_panel
    assert panel.choose_model.text() == CHOOSE_TEXT and panel.retry_download.isEnabled()
    assert "could not download" in panel.model_label.toolTip()

    # The user picks their file in the (Qt, non-native) file dialog.
    qtbot.mouseClick(_button(box, CHOOSE_TEXT), qtbot_left())
    dialog = window.model.file_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    dialog.selectFile(str(mine))
    dialog.accept()
    qtbot.waitUntil(lambda: window.model_path == mine, timeout=60000)
    assert window.settings.model_path == str(mine)
    assert window.live.model_path == mine
    assert "pose.task" in panel.model_label.text()

    # An export works with it.
    [row_id] = window.add_files([short_carphone])
    qtbot.waitUntil(lambda: window.exports.model.row(row_id).status.finished, timeout=120000)
    row = window.exports.model.row(row_id)
    assert row.status is RowStatus.DONE, row.message
    assert row.result.output.is_file()
    close_dialogs(window)
    window.close()
    window_threads_ended(window)

    # A new window (the app started again) remembers the choice: no dialog.
    again = open_window(qtbot, store, wait_model=False)
    qtbot.waitUntil(lambda: again.model_path == mine, timeout=60000)
    assert not again.error_dialogs
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").iterdir())
    again.close()
    window_threads_ended(again)


def test_retry_download_once_online(qtbot, store, tmp_path, no_model_anywhere, model_path):
    import app.pose.model as model
    window = open_window(qtbot, store, wait_model=False)
    qtbot.waitUntil(lambda: bool(window.error_dialogs), timeout=30000)
    close_dialogs(window)
    # Back online: the server now serves the model; the panel's button retries.
    with Origin(model_path.read_bytes()) as up:
        no_model_anywhere.setattr(model, "_URL", up.url.replace("full", "{v}"))
        window.export_panel.retry_download.click()
        qtbot.waitUntil(lambda: window.model_path is not None, timeout=60000)
    assert window.model_path == tmp_path / "cache" / "pose_landmarker_full.task"
    assert window.settings.model_path == ""  # nothing chosen by hand
    assert not window.error_dialogs
    window.close()
    window_threads_ended(window)


def test_offline_says_so_and_offers_no_download(qtbot, store, no_model_anywhere):
    from dataclasses import replace

    from app.studio.studio_settings import StudioSettings
    store.save(replace(StudioSettings(), offline=True))
    window = open_window(qtbot, store, wait_model=False)
    qtbot.waitUntil(lambda: bool(window.error_dialogs), timeout=30000)
    box = _model_dialog(window)
    assert "offline mode is on" in box.text() and "POSECLOAK" not in box.text()
    assert not _button(box, RETRY_TEXT).isEnabled()
    assert _button(box, CHOOSE_TEXT).isEnabled()
    assert not window.export_panel.retry_download.isEnabled()
    close_dialogs(window)
    window.close()
    window_threads_ended(window)


def qtbot_left():
    from PySide6.QtCore import Qt
    return Qt.MouseButton.LeftButton


def test_words_for_a_chosen_file_that_moved_or_is_not_a_model(tmp_path):
    from app.base.errors import ModelError
    from app.gui.shell.model_controller import words_for_people
    gone = tmp_path / "gone.task"
    assert words_for_people(ModelError("x"), gone).startswith(
        "The model file you chose (gone.task) is no longer in")
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    words = words_for_people(ModelError("x"), notes)
    assert "notes.txt cannot be used" in words and "Choose another file" in words
