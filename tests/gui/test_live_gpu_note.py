"""Asked to run on the GPU where it cannot start, the live preview says so
in the window's status bar: the CPU it runs on, and why (a conversion says
it on its row: tests/gui/test_gpu_fallback_row.py)."""

from __future__ import annotations

from tests.gui.conftest import close_dialogs
from tests.gui.test_live_preview import still_source, wait_frames
from tests.helpers.gpu import PretendGpu

NOTE = "Pose on the CPU: the GPU could not start (no GPU here)"


def test_the_status_bar_says_the_live_preview_runs_on_the_cpu(qtbot, window, person_frames,
                                                              monkeypatch):
    """Export > Runs on: *GPU where available*, then the live preview on a
    camera stand-in: the status bar names the CPU and why; back to the CPU
    (a new landmarker), the note goes; stopped, nothing is left running."""
    PretendGpu(monkeypatch).fails = {"VIDEO": "no GPU here", "IMAGE": "no GPU here"}
    combo = window.export_panel.device
    combo.setCurrentIndex(combo.findData("gpu"))
    assert window.live.settings.skeleton.detection.device == "gpu"
    label = window.status_labels["device"]
    assert label.isHidden()
    window.live.start(still_source(person_frames))
    qtbot.waitUntil(lambda: label.text() == NOTE, timeout=60000)
    assert label.isVisible()
    wait_frames(qtbot, window, 2)  # the preview runs on, on the CPU
    combo.setCurrentIndex(combo.findData("cpu"))
    qtbot.waitUntil(label.isHidden, timeout=60000)
    window.live.stop()
    qtbot.waitUntil(lambda: not window.live.running, timeout=10000)
    assert not close_dialogs(window)
