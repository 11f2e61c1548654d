"""Scrolling plots (pyqtgraph): chosen joint angles (app/analysis/angles.py), mean landmark confidence
and throughput, for the live source or a finished conversion's keypoints.

Samples are collected per frame (cheap); curves are redrawn on a timer, not
per frame, and only while the panel is visible.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.analysis.angles import ANGLES
from app.analysis.series import ANGLE_NAMES, SeriesBuffer, SeriesData, subject_words
from app.base.types import PoseFrame
from app.gui.panels.widgets import swatch_icon

REDRAW_MS = 200
LIVE_WINDOW_S = 20.0
DEFAULT_ANGLES = ("left knee", "right knee", "left elbow", "right elbow")
_CURVE_COLORS = ("#00e5ff", "#ff8c00", "#2fbf71", "#e5484d", "#b388ff", "#f1c40f",
                 "#56b4e9", "#cc79a7", "#8ce99a", "#ffa8a8", "#c9ced6")  # one per angle


def _rgb(hex_color: str) -> tuple[int, int, int]:
    return tuple(int(hex_color[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def no_data_text(angles: list[int]) -> str:
    """"no data (knees and elbows not visible)" for the chosen angles."""
    joints: list[str] = []
    for i in angles:
        joint = ANGLE_NAMES[i].removeprefix("left ").removeprefix("right ")
        word = joint if joint == "trunk" else f"{joint}s"
        if word not in joints:
            joints.append(word)
    if not joints:
        return "no data"
    listed = joints[0] if len(joints) == 1 else ", ".join(joints[:-1]) + " and " + joints[-1]
    return f"no data ({listed} not visible)"


class PlotsPanel(QWidget):
    """Thread: GUI."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(antialias=True)
        self.live = SeriesBuffer(capacity=1200)
        self._file: SeriesData | None = None
        self._dirty = False
        self.redraws = 0

        self.joints = QListWidget()
        self.joints.setToolTip("Joint angles to plot")
        self.joints.setMaximumWidth(205)
        for i, name in enumerate(ANGLE_NAMES):
            # The swatch is the curve's colour: the list doubles as the legend.
            item = QListWidgetItem(swatch_icon(_rgb(_CURVE_COLORS[i]), 12),
                                   ANGLES[i].label.capitalize())
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in DEFAULT_ANGLES
                               else Qt.CheckState.Unchecked)
            self.joints.addItem(item)
        self.joints.itemChanged.connect(lambda _item: self._mark_dirty())
        self.title = QLabel("Live source")
        self.title.setObjectName("PanelTitle")
        self.subject = QLabel("")  # whose angles, when there are several people
        self.subject.setObjectName("Muted")
        self.subject.setWordWrap(True)
        self.subject.setMaximumWidth(205)
        self._file_time = False  # the live source is a file: its own time on the axis
        self.live_button = QPushButton("Back to live")
        self.live_button.setToolTip("Plot the live source again")
        self.live_button.clicked.connect(self.show_live)
        self.live_button.setVisible(False)

        self.angle_plot = self._plot("Joint angles (degrees)")
        self.angle_plot.setYRange(0, 180)
        # Said on an empty angle plot, so that nothing drawn is not a mystery.
        self.no_data = pg.TextItem("", anchor=(0.5, 0.5), color="#9aa1ab")
        self.no_data.setParentItem(self.angle_plot.getPlotItem().getViewBox())
        self.no_data.setVisible(False)
        self.confidence_plot = self._plot("Mean confidence")
        self.confidence_plot.setYRange(0, 1)
        self.fps_plot = self._plot("Throughput (fps)")
        self.confidence_plot.setXLink(self.angle_plot)
        self.fps_plot.setXLink(self.angle_plot)
        self.curves = [self.angle_plot.plot([], [], name=name.capitalize(),
                                            pen=pg.mkPen(_CURVE_COLORS[i], width=2))
                       for i, name in enumerate(ANGLE_NAMES)]
        self.confidence_curve = self.confidence_plot.plot([], [], pen=pg.mkPen("#2fbf71", width=2))
        self.fps_curve = self.fps_plot.plot([], [], pen=pg.mkPen("#00bcd4", width=2))

        side = QVBoxLayout()
        side.addWidget(self.title)
        side.addWidget(self.subject)
        side.addWidget(self.joints, 1)
        side.addWidget(self.live_button)
        plots = QHBoxLayout()
        plots.addWidget(self.angle_plot, 2)
        plots.addWidget(self.confidence_plot, 1)
        plots.addWidget(self.fps_plot, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(side)
        layout.addLayout(plots, 1)

        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._redraw_if_dirty)
        self._timer.start()

    def _plot(self, title: str) -> pg.PlotWidget:
        plot = pg.PlotWidget()
        plot.setTitle(title, size="9pt")
        plot.getAxis("bottom").setLabel("time (s)")
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.setMenuEnabled(False)
        plot.setMinimumHeight(90)
        return plot

    def set_dark(self, dark: bool) -> None:
        background, foreground = ("#15171a", "#c9ced6") if dark else ("#ffffff", "#3a3f47")
        for plot in (self.angle_plot, self.confidence_plot, self.fps_plot):
            plot.setBackground(background)
            for axis in ("left", "bottom"):
                plot.getAxis(axis).setPen(foreground)
                plot.getAxis(axis).setTextPen(foreground)
            plot.setTitle(plot.plotItem.titleLabel.text, color=foreground, size="9pt")

    # data -------------------------------------------------------------------------
    def add_live_frame(self, frame) -> None:
        """One shown live frame (app.engine.live_loop.LiveFrame): a video
        file's samples are placed at the file's own time (what the seek bar
        says), a camera's at the session's."""
        file_time = frame.source.seekable
        if file_time != self._file_time:
            self._file_time = file_time
            self.live.clear()
            self._set_time_label()
        t = frame.position_s if file_time else frame.result.session_s
        last = self.live.last_time
        if last is not None and t < last:
            self.live.clear()  # the file looped or was sought back: start the curve afresh
        self.add_live_sample(t, frame.result.pose, frame.inference_fps)

    def add_live_sample(self, time_s: float, pose: PoseFrame, fps: float) -> None:
        self.live.add(time_s, pose, fps)
        if self._file is None:
            self._dirty = True

    def _set_time_label(self) -> None:
        label = "time in the file (s)" if (self._file is not None or self._file_time) \
            else "time since start (s)"
        for plot in (self.angle_plot, self.confidence_plot, self.fps_plot):
            plot.getAxis("bottom").setLabel(label)

    def clear_live(self) -> None:
        self.live.clear()
        self._mark_dirty()

    def show_live(self) -> None:
        self._file = None
        self.title.setText("Live source")
        self.live_button.setVisible(False)
        self._set_time_label()
        self._mark_dirty()

    def show_file(self, name: str, data: SeriesData) -> None:
        self._file = data
        self.title.setText(name)
        self.live_button.setVisible(True)
        self._set_time_label()
        self._mark_dirty()

    def _show_no_data(self, data: SeriesData, checked: set[int]) -> None:
        """"no data (knees not visible)" when no checked angle has a value."""
        empty = not any(np.isfinite(data.angles[:, i]).any() for i in checked) if len(data) \
            else True
        text = no_data_text(sorted(checked)) if empty and checked else ""
        self.no_data.setText(text)
        self.no_data.setVisible(bool(text))
        box = self.angle_plot.getPlotItem().getViewBox().boundingRect()
        self.no_data.setPos(box.center())

    def checked_angles(self) -> list[int]:
        return [i for i in range(self.joints.count())
                if self.joints.item(i).checkState() == Qt.CheckState.Checked]

    def _mark_dirty(self) -> None:
        self._dirty = True

    def _redraw_if_dirty(self) -> None:
        if self._dirty and self.isVisible():
            self._dirty = False
            self.redraw()

    def redraw(self) -> None:
        data = self._file if self._file is not None else self.live.snapshot()
        self.redraws += 1
        checked = set(self.checked_angles())
        t = data.times
        for i, curve in enumerate(self.curves):
            curve.setVisible(i in checked)
            if i in checked:
                curve.setData(t, data.angles[:, i], connect="finite")
        self._show_no_data(data, checked)
        self.subject.setText(subject_words(data))
        self.subject.setVisible(bool(self.subject.text()))
        self.confidence_curve.setData(t, data.confidence, connect="finite")
        self.fps_curve.setData(t, data.throughput, connect="finite")
        if len(data) and self._file is None:
            end = float(np.nanmax(t))
            self.angle_plot.setXRange(max(0.0, end - LIVE_WINDOW_S), max(end, 1.0), padding=0)
        elif len(data):
            self.angle_plot.setXRange(float(np.nanmin(t)), float(np.nanmax(t)), padding=0.01)
