"""The Analysis view of a finished conversion: each person's activity as
coloured bands on a timeline, events as markers, and the event list.
Clicking an event (marker or list row) asks for the preview to show the
source at that time (`seek_requested`).

Built on first use, like the Plots panel (pyqtgraph loads slowly).
"""

from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.analysis.activity import STATES
from app.analysis.report_html import EVENT_COLORS, STATE_COLORS
from app.base.text import count_of
from app.gui.exports.desktop_open import open_in_desktop

BAND_HEIGHT = 0.7


def _clock(seconds: float) -> str:
    m, s = divmod(max(0.0, seconds), 60)
    return f"{int(m)}:{s:04.1f}"


class AnalysisView(QWidget):
    """Thread: GUI."""

    seek_requested = Signal(object, float)  # source path, seconds
    open_failed = Signal(str)  # one-line reason: the user's browser could not start

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.analysis = None
        self.source: Path | None = None
        self.report: Path | None = None
        self.title = QLabel("No analysis yet: convert a video, and its activity and events "
                            "show here.")
        self.title.setObjectName("PanelTitle")
        self.summary = QLabel()
        self.summary.setObjectName("Muted")
        self.report_button = QPushButton("Open report")
        self.report_button.setToolTip("Open the HTML report in the browser")
        self.report_button.clicked.connect(self._open_report)
        self.report_button.setVisible(False)
        self.events = QListWidget()
        self.events.setToolTip("Click an event to show the video at that time")
        self.events.setMaximumWidth(300)
        self.events.itemClicked.connect(self._on_item_clicked)
        self.plot = pg.PlotWidget()
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=False, alpha=0.15)
        self.plot.getAxis("bottom").setLabel("time (s)")
        self.plot.setMinimumHeight(90)
        self.plot.getPlotItem().setMouseEnabled(y=False)
        self.markers = pg.ScatterPlotItem(size=14, pxMode=True, hoverable=True)
        self.markers.sigClicked.connect(self._on_marker_clicked)
        self._bands: list = []
        legend = QHBoxLayout()
        for state in STATES:
            swatch = QLabel(f'<span style="color:{STATE_COLORS[state]}">\u25a0</span> {state}')
            legend.addWidget(swatch)
        legend.addStretch(1)
        legend.addWidget(self.report_button)
        header = QVBoxLayout()
        header.addWidget(self.title)
        header.addWidget(self.summary)
        header.addLayout(legend)
        left = QVBoxLayout()
        left.addLayout(header)
        left.addWidget(self.plot, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(left, 1)
        layout.addWidget(self.events)

    def set_dark(self, dark: bool) -> None:
        background, foreground = ("#15171a", "#c9ced6") if dark else ("#ffffff", "#3a3f47")
        self.plot.setBackground(background)
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).setPen(foreground)
            self.plot.getAxis(axis).setTextPen(foreground)

    def show_result(self, name: str, source: Path, analysis, report: Path | None = None) -> None:
        """Shows `analysis` (app.analysis.analysis.Analysis) of `source`."""
        self.analysis, self.source, self.report = analysis, Path(source), report
        self.title.setText(name)
        falls = sum(e.kind == "fall" for e in analysis.events)
        self.summary.setText(f"{count_of(len(analysis.people), 'person')}, "
                             f"{count_of(falls, 'fall')}, {count_of(len(analysis.events), 'event')}; "
                             "click an event to see it")
        self.report_button.setVisible(report is not None)
        for item in self._bands:
            self.plot.removeItem(item)
        self._bands = []
        self.plot.removeItem(self.markers)
        rows = {p.person_id: n for n, p in enumerate(analysis.people)}
        for person in analysis.people:
            y = rows[person.person_id]
            for state in STATES:
                segs = [s for s in person.segments if s.state == state]
                if not segs:
                    continue
                bars = pg.BarGraphItem(x0=[s.start_s for s in segs], y=[y] * len(segs),
                                       width=[max(s.duration_s, 1e-3) for s in segs],
                                       height=BAND_HEIGHT, brush=STATE_COLORS[state],
                                       pen=pg.mkPen(None))
                self.plot.addItem(bars)
                self._bands.append(bars)
        spots = [{"pos": (e.time_s, rows.get(e.person_id, 0) + BAND_HEIGHT / 2 + 0.12),
                  "data": e, "symbol": "t" if e.kind == "fall" else "o",
                  "brush": pg.mkBrush(EVENT_COLORS.get(e.kind, "#888888")),
                  "size": 16 if e.kind == "fall" else 8}
                 for e in analysis.events if e.person_id in rows]
        self.markers.setData(spots)
        self.plot.addItem(self.markers)
        axis = self.plot.getAxis("left")
        axis.setTicks([[(n, f"#{pid}") for pid, n in rows.items()]])
        self.plot.setYRange(-0.6, max(len(rows), 1) - 0.2, padding=0)
        self.plot.setXRange(analysis.start_s, max(analysis.end_s, analysis.start_s + 1),
                            padding=0.01)
        self.events.clear()
        for e in analysis.events:
            text = f"{_clock(e.time_s)}  {e.kind}  #{e.person_id}"
            if e.kind == "fall":
                text += f"  ({e.confidence:.2f})"
            item = QListWidgetItem(("\u26a0 " if e.kind == "fall" else "") + text)
            item.setData(Qt.ItemDataRole.UserRole, e.time_s)
            self.events.addItem(item)
        if not analysis.events:
            self.events.addItem("No event")

    def _on_item_clicked(self, item: QListWidgetItem) -> None:
        seconds = item.data(Qt.ItemDataRole.UserRole)
        if seconds is not None and self.source is not None:
            self.seek_requested.emit(self.source, float(seconds))

    def _on_marker_clicked(self, _item, points, _event=None) -> None:
        if points is not None and len(points) and self.source is not None:
            self.seek_requested.emit(self.source, float(points[0].data().time_s))

    def _open_report(self) -> None:
        if self.report is not None:
            # The user's browser, with the user's environment (desktop_open.py).
            try:
                open_in_desktop(self.report)
            except OSError as exc:
                self.open_failed.emit(str(exc))
