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
from app.analysis.series import ANGLE_NAMES, SeriesBuffer, SeriesData
from app.base.types import PoseFrame
from app.gui.widgets import swatch_icon

REDRAW_MS = 200
LIVE_WINDOW_S = 20.0
DEFAULT_ANGLES = ("left knee", "right knee", "left elbow", "right elbow")
_CURVE_COLORS = ("#00e5ff", "#ff8c00", "#2fbf71", "#e5484d", "#b388ff", "#f1c40f",
                 "#56b4e9", "#cc79a7", "#8ce99a", "#ffa8a8", "#c9ced6")  # one per angle


def _rgb(hex_color: str) -> tuple[int, int, int]:
    return tuple(int(hex_color[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


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
        self.live_button = QPushButton("Back to live")
        self.live_button.setToolTip("Plot the live source again")
        self.live_button.clicked.connect(self.show_live)
        self.live_button.setVisible(False)

        self.angle_plot = self._plot("Joint angles (degrees)")
        self.angle_plot.setYRange(0, 180)
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
    def add_live_sample(self, time_s: float, pose: PoseFrame, fps: float) -> None:
        self.live.add(time_s, pose, fps)
        if self._file is None:
            self._dirty = True

    def clear_live(self) -> None:
        self.live.clear()
        self._mark_dirty()

    def show_live(self) -> None:
        self._file = None
        self.title.setText("Live source")
        self.live_button.setVisible(False)
        self._mark_dirty()

    def show_file(self, name: str, data: SeriesData) -> None:
        self._file = data
        self.title.setText(name)
        self.live_button.setVisible(True)
        self._mark_dirty()

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
        self.confidence_curve.setData(t, data.confidence, connect="finite")
        self.fps_curve.setData(t, data.throughput, connect="finite")
        if len(data) and self._file is None:
            end = float(np.nanmax(t))
            self.angle_plot.setXRange(max(0.0, end - LIVE_WINDOW_S), max(end, 1.0), padding=0)
        elif len(data):
            self.angle_plot.setXRange(float(np.nanmin(t)), float(np.nanmax(t)), padding=0.01)
