"""The app as a new user meets it (issue 16): distant people, screens at the
default size, plots that say what they show, one smoothing, plain words."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QWidget

from app.base.types import PoseFrame
from tests.gui.conftest import close_dialogs


def _wait_shown(qtbot, window, count: int) -> None:
    target = window.live.frames_shown + count
    qtbot.waitUntil(lambda: window.live.frames_shown >= target, timeout=60000)


def _stop(qtbot, window) -> None:
    window.live.stop()
    qtbot.waitUntil(lambda: not window.live.running, timeout=30000)


# distant people ------------------------------------------------------------------------
def test_max_people_follows_distant_people_mode_like_the_cli(qtbot, window):
    from app.cli.arguments import build_parser, settings_from_args
    panel = window.people_panel
    assert panel.max_people.value() == 4
    panel.tiles.click()  # on
    cli = settings_from_args(build_parser().parse_args(["convert", "x.mp4", "--tiles", "auto"]))
    assert window.settings.detection == cli.detection
    assert panel.max_people.value() == cli.detection.people_limit == 16
    assert window.live.settings.skeleton.detection.people_limit == 16  # the preview too
    panel.tiles.click()  # off again: back to the default
    assert panel.max_people.value() == 4 and window.settings.detection.max_people is None
    # A number the user chose stays through the mode change.
    panel.max_people.setValue(8)
    panel.tiles.click()
    assert panel.max_people.value() == 8 and window.settings.detection.people_limit == 8


def test_small_people_in_a_wide_picture_get_the_hint_once(qtbot, window, short_vtest,
                                                          short_carphone):
    from app.gui.live.distant_hint import HINT
    bar = window.live.source_bar
    # A close-up (carphone): no hint.
    bar.set_file(short_carphone)
    qtbot.mouseClick(bar.start, Qt.MouseButton.LeftButton)
    _wait_shown(qtbot, window, 25)
    assert not window.distant_hint.shown and window.statusBar().currentMessage() != HINT
    _stop(qtbot, window)
    # A surveillance view of small pedestrians (vtest): the hint, once.
    bar.set_file(short_vtest)
    qtbot.mouseClick(bar.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.distant_hint.shown, timeout=90000)
    assert "Find distant people" in window.statusBar().currentMessage()
    _stop(qtbot, window)
    assert not close_dialogs(window)


def test_no_hint_once_distant_people_is_on(qtbot, window, short_vtest):
    window.people_panel.tiles.click()
    window.live.source_bar.set_file(short_vtest)
    qtbot.mouseClick(window.live.source_bar.start, Qt.MouseButton.LeftButton)
    _wait_shown(qtbot, window, 22)
    assert not window.distant_hint.shown
    _stop(qtbot, window)


# screens -----------------------------------------------------------------------------
def test_export_tab_fits_the_default_window(qtbot, window):
    """At 1360x860 the Export tab needs no sideways scrolling (its widest
    control fits the visible width), Browse... keeps clear of the edge, and
    the plots below are not squeezed."""
    window.resize(1360, 860)
    window.side_tabs.setCurrentWidget(window.export_panel)
    qtbot.waitUntil(lambda: window.export_panel.isVisible(), timeout=5000)
    QApplication.processEvents()
    panel = window.export_panel
    viewport = panel.viewport().width()
    assert panel.widget().minimumSizeHint().width() <= viewport
    [browse] = [b for b in panel.findChildren(QWidget) if getattr(b, "text", None)
                and b.text() == "Browse\u2026"]
    right = browse.mapTo(panel.viewport(), browse.rect().topRight()).x()
    assert right <= viewport - 6, (right, viewport)
    # The plots strip below gets a readable height (it was about 150 px).
    assert window.bottom_tabs.height() >= 260, window.bottom_tabs.height()


def _luminance(color) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(color.red()) + 0.7152 * channel(color.green()) \
        + 0.0722 * channel(color.blue())


def test_unchecked_boxes_are_visible_in_the_dark_theme(qtbot, qapp):
    """The border of an unchecked box stands out from the panel (WCAG's 3:1
    for controls); before, it was black on near-black."""
    from PySide6.QtWidgets import QStyle, QStyleOptionButton

    from app.gui.shell.theme import DARK, ThemeManager
    palette, sheet, style = qapp.palette(), qapp.styleSheet(), qapp.style().name()
    try:
        ThemeManager(qapp).apply("dark")
        holder = QWidget()
        holder.setStyleSheet(f"background: {DARK.panel};")
        box = QCheckBox("Keypoints as CSV", holder)
        qtbot.addWidget(holder)
        holder.resize(200, 40)
        holder.show()
        qtbot.waitExposed(holder)
        image = holder.grab().toImage()
        option = QStyleOptionButton()
        option.initFrom(box)
        rect = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
        rect.translate(box.pos())
        ratio = image.devicePixelRatio()
        y = int(rect.center().y() * ratio)
        border = [image.pixelColor(int(x * ratio), y) for x in range(rect.left(), rect.left() + 3)]
        panel = image.pixelColor(int((rect.right() + 60) * ratio), 2)
        lum = max(_luminance(c) for c in border)
        contrast = (lum + 0.05) / (_luminance(panel) + 0.05)
        assert contrast >= 3.0, (contrast, [c.name() for c in border], panel.name())
    finally:
        qapp.setStyleSheet(sheet)
        qapp.setPalette(palette)
        qapp.setStyle(style)


# plots ---------------------------------------------------------------------------------
def test_plots_show_file_time_and_say_when_knees_are_not_seen(qtbot, window, short_carphone):
    """A video file is plotted at the file's own time (what the seek bar
    shows), not the session's; carphone is a face close-up, so the knees'
    plot says why it is empty."""
    plots = window.plots
    window.bottom_tabs.setCurrentWidget(plots)
    for i in range(plots.joints.count()):
        knee = "knee" in plots.joints.item(i).text().lower()
        plots.joints.item(i).setCheckState(Qt.CheckState.Checked if knee else Qt.CheckState.Unchecked)
    shown = []
    window.live.frame_shown.connect(lambda f: shown.append((f.position_s, f.result.session_s)))
    bar = window.live.source_bar
    bar.set_file(short_carphone)
    qtbot.mouseClick(bar.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(shown) >= 3, timeout=60000)
    bar.seek_requested.emit(1.6)  # the user drags the seek bar (well ahead of play)
    qtbot.waitUntil(lambda: len(plots.live) and plots.live.last_time >= 1.6, timeout=60000)
    _stop(qtbot, window)
    times = plots.live.snapshot().times
    positions = np.array([p for p, _ in shown])
    sessions = np.array([t for _, t in shown])
    n = len(times)
    assert np.allclose(times, positions[-n:]), (times, positions)
    assert np.abs(positions - sessions).max() > 0.1  # the two clocks do differ
    assert plots.angle_plot.getAxis("bottom").labelText == "time in the file (s)"
    plots.redraw()
    assert plots.no_data.isVisible()
    assert plots.no_data.textItem.toPlainText() == "no data (knees not visible)"


def _two_people(i: int) -> PoseFrame:
    lm = np.zeros((2, 33, 5), np.float32)
    lm[:, :, 3:] = 1.0
    for p, (x0, size) in enumerate(((0.1, 0.2), (0.5, 0.45))):
        lm[p, :, 0] = x0 + np.linspace(0, size / 2, 33)
        lm[p, :, 1] = 0.2 + np.linspace(0, size, 33)
    return PoseFrame(i, i / 10, 640, 480, lm, ids=(3, 7))


def test_plots_say_whose_angles_they_show(qtbot):
    from app.gui.analysis.plots import PlotsPanel
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    for i in range(5):
        panel.add_live_sample(i / 10, _two_people(i), 10.0)
    panel.redraw()
    assert panel.subject.text() == "Angles of person #7, the largest of up to 2 people"


# one smoothing, words, help -----------------------------------------------------------
def test_preview_and_export_use_one_smoothing(qtbot, window):
    panel = window.people_panel
    panel.smoothing.slider.setFocus()
    for _ in range(3):
        qtbot.keyClick(panel.smoothing.slider, Qt.Key.Key_Right)
    assert window.settings.people.smoothing == 0.65
    assert window.live.settings.skeleton.people.smoothing == 0.65
    assert window.settings.convert_settings().people.smoothing == 0.65
    assert not hasattr(window.settings, "live_smoothing")


def test_controls_speak_plainly(qtbot, window):
    from PySide6.QtWidgets import QFormLayout, QLabel
    labels = {lab.text() for lab in window.style_panel.findChildren(QLabel)}
    assert "Min. confidence" not in labels and "Hide unsure points" in labels
    assert window.style_panel.antialias.text() == "Smooth edges"
    assert window.style_panel.confidence.slider.toolTip()
    color = window.style_panel.color
    assert not color.text().startswith("#") and "#" in color.toolTip()
    assert QFormLayout  # (the labels above are the form's row labels)


def test_help_menu_has_a_guide_and_the_privacy_guarantee(qtbot, window):
    from PySide6.QtWidgets import QMessageBox
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    actions = {a.text(): a for a in help_menu.actions() if a.text()}
    assert {"&Getting started", "&Privacy guarantee", "&About PoseCloak"} <= set(actions)
    actions["&Privacy guarantee"].trigger()
    [box] = [b for b in window.findChildren(QMessageBox) if b.objectName() == "PrivacyBox"]
    assert "Nothing leaves this computer" in box.text() and box.isVisible()
    box.close()
    actions["&Getting started"].trigger()
    [guide] = [b for b in window.findChildren(QMessageBox) if b.objectName() == "GuideBox"]
    assert "Find distant people" in guide.text()
    guide.close()


def test_no_widget_reaches_into_another_ones_private_members():
    """`other._name` (not self's or cls's own) appears nowhere in app/gui."""
    found = []
    for path in sorted((Path(__file__).parents[2] / "app" / "gui").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                    and not node.attr.startswith("__")
                    and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))):
                found.append(f"{path.name}:{node.lineno} .{node.attr}")
    assert not found, found
