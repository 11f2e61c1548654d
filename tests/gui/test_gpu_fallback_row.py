"""Asked to run on the GPU where none can start, the app says so on the
file's row (the CLI prints the same note and one line on stderr)."""

from __future__ import annotations

import pytest

from app.gui.exports.export_queue import RowStatus
from tests.gui.conftest import close_dialogs
from tests.gui.test_convert_queue import drop_files, rows_finished
from tests.gui.test_nobody_found_row import STATUS_COLUMN
from tests.helpers.clips import frames_of, write_clip


def test_a_gpu_that_cannot_start_is_named_on_the_row(qtbot, window, carphone, out_dir,
                                                      tmp_path, gpu_starts):
    """Export > Runs on: *GPU where available*, then a clip dropped on the
    real window: the row is Done, the video is written on the CPU, and the
    status says why the GPU was not used."""
    if gpu_starts:
        pytest.skip("this machine's GPU delegate starts: there is no fallback to see")
    combo = window.export_panel.device
    combo.setCurrentIndex(combo.findData("gpu"))
    assert window.settings.skeleton.detection.device == "gpu"
    clip = write_clip(tmp_path / "clip.mp4", frames_of(carphone, 20))
    drop_files(window, [clip])
    qtbot.waitUntil(lambda: rows_finished(window, 1), timeout=120000)
    row = window.exports.model.rows()[0]
    assert row.status is RowStatus.DONE, row.message
    assert row.result.output.is_file() and row.result.output.parent == out_dir
    status = window.exports.model.index(0, STATUS_COLUMN).data()
    assert status.startswith("Done (ran on the CPU: the GPU could not start (")
    assert not close_dialogs(window)
