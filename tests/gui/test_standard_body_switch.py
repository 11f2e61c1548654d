"""The standard body in the app: a switch in the People panel, the export
panel and a first run say which body exports get, and the choice is kept."""

from __future__ import annotations

from app.base.text import standard_body_note
from tests.gui.conftest import open_window, window_threads_ended


def test_switch_notes_and_first_run(qtbot, store, out_dir):
    first = open_window(qtbot, store, out_dir, wait_model=False)
    assert first.first_run_note == standard_body_note(True) or (
        first.statusBar().currentMessage() == standard_body_note(True))
    people, export = first.people_panel, first.export_panel
    assert people.standard_body.isChecked() and first.settings.people.standard_body
    assert export.body_note.text() == standard_body_note(True)
    people.standard_body.click()  # off
    assert not first.settings.people.standard_body
    assert export.body_note.text() == standard_body_note(False)
    first.close()
    window_threads_ended(first)

    second = open_window(qtbot, store, wait_model=False)
    assert not second.settings.people.standard_body
    assert not second.people_panel.standard_body.isChecked()
    assert second.first_run_note == ""  # not a first run any more
    second.close()
    window_threads_ended(second)
