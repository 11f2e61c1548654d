"""The conversion queue, driven as a user would: drop files on the window."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from app.gui.exports.export_queue import RowStatus
from app.media.video import probe
from tests.gui.conftest import close_dialogs
from tests.helpers.clips import frames_of


def drop_files(window, paths: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    center = window.rect().center()
    enter = QDragEnterEvent(QPointF(center), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(center), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)


def rows_finished(window, count: int) -> bool:
    rows = window.exports.model.rows()
    return len(rows) == count and all(r.status.finished for r in rows)


def test_dropped_files_convert_like_the_cli(qtbot, window, carphone, short_vtest, out_dir, tmp_path):
    drop_files(window, [carphone, short_vtest])
    qtbot.waitUntil(lambda: rows_finished(window, 2), timeout=180000)
    rows = window.exports.model.rows()
    assert [r.status for r in rows] == [RowStatus.DONE, RowStatus.DONE], [r.message for r in rows]
    for row, source in zip(rows, (carphone, short_vtest)):
        out = row.result.output
        assert out.parent == out_dir and out.is_file()
        src, got = probe(source), probe(out, count_frames=True)
        assert (got.width, got.height) == (src.width, src.height)
        assert got.frame_count == src.frame_count
        assert got.codec == "h264"
        assert row.result.keypoints and row.result.keypoints[0].is_file()  # JSON by default
        assert row.duration_s and abs(row.duration_s - src.duration_s) < 0.2
    # The table shows what happened.
    model = window.exports.model
    assert model.index(0, 5).data() == "Done"
    assert model.index(0, 2).data() == "100%"
    assert not close_dialogs(window)
    # A finished conversion's keypoints are plotted (no live source is running).
    qtbot.waitUntil(lambda: window.plots.title.text() in {r.result.output.name for r in rows},
                    timeout=10000)

    # The CLI with the same settings (the app smooths by default) writes the
    # same pictures.
    from app.cli.main import main as cli_main
    cli_out = tmp_path / "cli.mp4"
    assert window.settings.people.smoothing == 0.5
    assert cli_main(["convert", str(carphone), "-o", str(cli_out), "--jobs", "1", "-q",
                     "--smooth", "0.5"]) == 0
    gui_frames = frames_of(rows[0].result.output)
    cli_frames = frames_of(cli_out)
    assert len(gui_frames) == len(cli_frames) == 120
    assert all(np.array_equal(a, b) for a, b in zip(gui_frames, cli_frames))
    assert any(f.any() for f in gui_frames)  # a skeleton was drawn at all


def test_cancel_leaves_no_file(qtbot, window, vtest, out_dir):
    [row_id] = window.add_files([vtest])  # 795 frames: long enough to cancel mid-way
    model = window.exports.model
    qtbot.waitUntil(lambda: (model.row(row_id).progress or None) is not None
                    and model.row(row_id).progress.frames_done > 3, timeout=60000)
    window.queue.table.selectRow(0)
    assert window.queue.cancel_button.isEnabled()
    window.queue.cancel_button.click()
    qtbot.waitUntil(lambda: model.row(row_id).status is RowStatus.CANCELLED, timeout=30000)
    assert list(out_dir.iterdir()) == []  # no output, no keypoints, no temp files
    assert not close_dialogs(window)  # a cancel is no error


def test_broken_file_fails_on_its_row_while_the_other_finishes(qtbot, window, short_carphone,
                                                               tmp_path, out_dir):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)
    drop_files(window, [broken, short_carphone])
    qtbot.waitUntil(lambda: rows_finished(window, 2), timeout=120000)
    bad, good = window.exports.model.rows()
    assert bad.status is RowStatus.FAILED
    assert "broken.mp4" in bad.message and "Traceback" not in bad.message
    assert window.exports.model.index(0, 5).data().startswith("Failed: ")
    assert good.status is RowStatus.DONE and good.result.output.is_file()
    qtbot.waitUntil(lambda: bool(window.error_dialogs), timeout=5000)
    texts = close_dialogs(window)
    assert len(texts) == 1 and texts[0].count("broken.mp4") == 1  # named once, not twice
    assert sorted(p.name for p in out_dir.iterdir()) == ["carphone_2s_skeleton.json",
                                                         "carphone_2s_skeleton.mp4"]


def test_missing_output_folder_is_an_error_row_and_dialog(qtbot, window, short_carphone, tmp_path):
    from dataclasses import replace
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    window.set_settings(replace(window.settings, output_dir=str(blocked / "out")))
    [row_id] = window.add_files([short_carphone])
    model = window.exports.model
    qtbot.waitUntil(lambda: model.row(row_id).status.finished, timeout=60000)
    assert model.row(row_id).status is RowStatus.FAILED
    assert "folder" in model.row(row_id).message
    qtbot.waitUntil(lambda: bool(window.error_dialogs), timeout=5000)
    assert "folder" in close_dialogs(window)[0]


def test_transparent_export_checkbox_writes_a_webm_layer(qtbot, window, short_vtest, out_dir):
    """Ticking 'Transparent skeleton' in the Export panel makes dropped files
    come out as see-through WebM layers (no background, alpha channel)."""
    window.side_tabs.setCurrentWidget(window.export_panel)
    qtbot.mouseClick(window.export_panel.transparent, Qt.MouseButton.LeftButton,
                     pos=window.export_panel.transparent.rect().bottomLeft() + QPointF(4, -4).toPoint())
    assert window.settings.transparent
    drop_files(window, [short_vtest])
    qtbot.waitUntil(lambda: rows_finished(window, 1), timeout=180000)
    row = window.exports.model.rows()[0]
    assert row.status is RowStatus.DONE, row.message
    assert row.result.output.suffix == ".webm" and row.result.output.parent == out_dir
    info = probe(row.result.output, count_frames=True)
    assert info.codec == "vp9" and info.frame_count == probe(short_vtest).frame_count


def test_keep_audio_is_off_by_default_and_ticking_it_keeps_the_soundtrack(
        qtbot, window, carphone, out_dir, tmp_path, monkeypatch):
    """Voices identify people: the Export panel's 'Keep audio' starts off (with
    a note saying why) and exports have no audio; ticked, they carry it. Play
    on a finished row starts the user's player with the user's environment."""
    from app.base import netguard
    from app.gui.exports import desktop_open
    from tests.helpers.clips import write_clip
    panel = window.export_panel
    assert panel.audio.text() == "Keep audio" and not panel.audio.isChecked()
    assert not window.settings.keep_audio
    assert "identify" in panel.audio_note.text()
    src = write_clip(tmp_path / "voice.mp4", frames_of(carphone, 15), audio="aac")
    [silent] = window.add_files([src])
    model = window.exports.model
    qtbot.waitUntil(lambda: model.row(silent).status.finished, timeout=120000)
    assert model.row(silent).status is RowStatus.DONE, model.row(silent).message
    assert not probe(model.row(silent).result.output).has_audio

    window.side_tabs.setCurrentWidget(panel)
    qtbot.mouseClick(panel.audio, Qt.MouseButton.LeftButton,
                     pos=panel.audio.rect().bottomLeft() + QPointF(4, -4).toPoint())
    assert window.settings.keep_audio
    [loud] = window.add_files([src])
    qtbot.waitUntil(lambda: model.row(loud).status.finished, timeout=120000)
    assert model.row(loud).status is RowStatus.DONE, model.row(loud).message
    out = model.row(loud).result.output
    assert out.parent == out_dir and probe(out).audio_codec == "aac"

    started = []
    monkeypatch.setattr(desktop_open.shutil, "which", lambda name, path=None: f"/opt/bin/{name}")
    monkeypatch.setattr(desktop_open.subprocess, "Popen",
                        lambda argv, **kw: started.append((argv, kw)))
    window.queue.table.selectRow(1)
    assert window.queue.play_button.isEnabled()
    window.queue.play_button.click()
    [(argv, kwargs)] = started
    assert argv[-1] == str(out)
    assert kwargs["env"] == netguard.original_environ()
    assert kwargs["env"] != dict(os.environ)  # not the process's blocked proxy settings
    assert not close_dialogs(window)
    # No opener on this system: a dialog says so, nothing else happens.
    monkeypatch.setattr(desktop_open.shutil, "which", lambda name, path=None: None)
    window.queue.folder_button.click()
    qtbot.waitUntil(lambda: bool(window.error_dialogs), timeout=5000)
    texts = close_dialogs(window)
    assert len(texts) == 1 and "was not found" in texts[0]


def test_the_confidence_slider_and_the_cli_flag_give_the_same_file(qtbot, window, short_carphone,
                                                                   out_dir, tmp_path):
    """One settings value: a user raises the confidence ("Hide unsure points")
    to 0.80 and lowers smoothing ("Steadiness") to 0.25 with the keyboard, then
    drops a clip; the export and its keypoints are byte for byte what the CLI
    writes with --min-confidence 0.8 --smooth 0.25. (The slider used to reach
    only the drawing, while tracking and smoothing kept 0.5: the same settings
    gave other files.)"""
    from app.cli.arguments import build_parser, settings_from_args
    from app.cli.main import main as cli_main
    for slider, presses, key in ((window.style_panel.confidence.slider, 6, Qt.Key.Key_Right),
                                 (window.people_panel.smoothing.slider, 5, Qt.Key.Key_Left)):
        slider.setFocus()
        for _ in range(presses):
            qtbot.keyClick(slider, key)
    assert window.settings.style.min_confidence == 0.8
    assert window.settings.people.smoothing == 0.25
    flags = ["--min-confidence", "0.8", "--smooth", "0.25", "--jobs", "1"]
    assert window.settings.convert_settings() == settings_from_args(
        build_parser().parse_args(["convert", str(short_carphone), *flags]))
    drop_files(window, [short_carphone])
    qtbot.waitUntil(lambda: rows_finished(window, 1), timeout=120000)
    [row] = window.exports.model.rows()
    assert row.status is RowStatus.DONE, row.message
    cli_video, cli_keypoints = tmp_path / "cli.mp4", tmp_path / "cli.json"
    assert cli_main(["convert", str(short_carphone), "-o", str(cli_video), *flags,
                     "--keypoints", str(cli_keypoints), "-q"]) == 0
    # The keypoints (every landmark, ID and valid flag after tracking and
    # smoothing) and the video are the same bytes, although the app encodes
    # on its export thread and the CLI on the main thread (x264's mbtree
    # read stack garbage and made them differ: tests/test_encoder_memory.py).
    assert row.result.keypoints[0].read_bytes() == cli_keypoints.read_bytes()
    assert row.result.output.read_bytes() == cli_video.read_bytes()
