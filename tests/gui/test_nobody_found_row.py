"""The queue row says when nobody was found, without failing the row."""

from __future__ import annotations

from app.gui.exports.export_queue import RowStatus
from app.media.images import encode_image
from tests.gui.conftest import close_dialogs
from tests.gui.test_convert_queue import drop_files, rows_finished
from tests.helpers.clips import frames_of

STATUS_COLUMN = 5  # the queue table's last column


def test_a_file_with_nobody_in_it_says_so_on_its_row(qtbot, window, tree, out_dir, tmp_path):
    """tree.avi (68 frames, nobody in them) and a still of it, dropped on the
    real window with *Find distant people* ticked: the rows are Done, their
    status says nobody was found (how often, for the video) and why tiles did
    nothing on a 320x240 picture, and the files are written."""
    tiles = window.people_panel.tiles
    assert "under 288 px" in tiles.toolTip()  # the option itself says when it does nothing
    tiles.setChecked(True)
    assert window.settings.skeleton.detection.tiles == "auto"
    still = tmp_path / "tree_still.png"
    still.write_bytes(encode_image(frames_of(tree, 1)[0], ".png"))
    drop_files(window, [tree, still])
    qtbot.waitUntil(lambda: rows_finished(window, 2), timeout=180000)
    model = window.exports.model
    for row in model.rows():
        assert row.status is RowStatus.DONE, row.message
        assert row.result.output.is_file() and row.result.output.parent == out_dir
    tiles_note = ("tiles (auto) not used on this 320x240 picture: pictures under 288 px on "
                  "their short side are searched whole: tiles would not find more there")
    assert (model.index(0, STATUS_COLUMN).data()
            == f"Done (no person found in 68 of 68 frames; {tiles_note})")
    assert model.index(1, STATUS_COLUMN).data() == f"Done (no person found; {tiles_note})"
    assert not close_dialogs(window)
