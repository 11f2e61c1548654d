"""The analysis in the app, driven as a user would: the Analysis view of a
dropped file (clicking its fall shows the source at that time in the
preview), and the live fall alert, which a recording logs."""

from __future__ import annotations

import csv
import json
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from tests.gui.conftest import close_dialogs
from tests.gui.test_convert_queue import drop_files, rows_finished
from tests.helpers.motion_clips import (
    FALL_KEYS,
    FALL_START_S,
    angle_schedule,
    player_canvas,
    tipped,
    write_fall_clip,
)
from tests.helpers.sources import SyntheticSource

FALL_TIME = FALL_START_S  # a fall is timed where it begins


@pytest.fixture(scope="module")
def fall_clip(tmp_path_factory, media):
    return write_fall_clip(tmp_path_factory.mktemp("clips") / "fall.mp4", media)


def test_analysis_view_shows_the_fall_and_a_click_seeks_the_preview(qtbot, window, fall_clip,
                                                                    out_dir):
    window.set_settings(replace(window.settings, report=True))
    drop_files(window, [fall_clip])
    qtbot.waitUntil(lambda: rows_finished(window, 1), timeout=120000)
    [row] = window.exports.model.rows()
    assert row.result is not None, row.message
    assert (out_dir / "fall_report.html").is_file() and (out_dir / "fall_events.csv").is_file()
    view = window.analysis_view
    window.bottom_tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.analysis is not None, timeout=5000)
    assert view.report_button.isVisible()
    items = [view.events.item(i) for i in range(view.events.count())]
    [fall_item] = [i for i in items if "fall" in i.text()]
    # The timeline holds a marker for the fall and bands for standing and lying.
    assert any(abs(p.pos().x() - FALL_TIME) < 0.15 for p in view.markers.points())
    assert len(view._bands) == 2
    # A click on the event starts the preview on the source, at that time.
    rect = view.events.visualItemRect(fall_item)
    qtbot.mouseClick(view.events.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: window.live.running and window.live.frames_shown > 0, timeout=60000)
    assert window.live.source_bar.choice().path == fall_clip
    first = window.live._latest.position_s
    assert FALL_TIME - 0.2 <= first <= FALL_TIME + 1.0
    # Clicking again while it plays seeks the running preview.
    qtbot.wait(800)
    qtbot.mouseClick(view.events.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: abs(window.live._latest.position_s - FALL_TIME) < 0.3, timeout=10000)
    window.live.stop()
    qtbot.waitUntil(lambda: not window.live.running, timeout=10000)
    assert not close_dialogs(window)


def test_live_fall_alert_shows_its_time_and_the_recording_logs_it(qtbot, window, media, out_dir):
    window.set_settings(replace(window.settings, record_keypoints=True))
    canvas = player_canvas(media)
    frames = [tipped(canvas, a) for a in angle_schedule(FALL_KEYS)]
    banner = window.live.fall_banner
    assert not banner.isVisible()
    window.live.start(SyntheticSource(frames, fps=15))
    qtbot.waitUntil(lambda: window.live.frames_shown > 0, timeout=60000)
    window.live.source_bar.record.click()
    qtbot.waitUntil(lambda: banner.isVisible(), timeout=20000)
    text = banner.label.text()
    assert text.startswith("Fall detected: person #") and ":" in text.split(" at ")[1]
    alert = banner.alerts[0]
    window.live.source_bar.record.click()
    qtbot.waitUntil(lambda: any(out_dir.glob("live-*_events.csv")), timeout=10000)
    [events] = out_dir.glob("live-*_events.csv")
    with open(events, newline="") as f:
        [logged] = [r for r in csv.DictReader(f) if r["type"] == "fall"]
    assert int(logged["person_id"]) == alert.event.person_id
    [keypoints] = out_dir.glob("live-*.json")
    live_alerts = json.loads(keypoints.read_text())["analysis"]["live_alerts"]
    assert [a["type"] for a in live_alerts] == ["fall"]
    assert live_alerts[0]["time_s"] == pytest.approx(float(logged["time_s"]), abs=0.001)
    banner.dismiss.click()
    assert not banner.isVisible()
    window.live.stop()
    qtbot.waitUntil(lambda: not window.live.running, timeout=10000)
    assert not close_dialogs(window)
