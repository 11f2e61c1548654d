"""How the main window is laid out: the live area and the side panel's tabs
above, the Queue/Plots/Analysis tabs below, with splitters between."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSplitter, QTabWidget, QVBoxLayout, QWidget

SIDE_TABS = (("Style", "Skeleton colours and sizes (Ctrl+1)"),
             ("Background", "What the skeleton is drawn on (Ctrl+2)"),
             ("People", "Detection, smoothing, IDs (Ctrl+3)"),
             ("Export", "Output folder, keypoints, model (Ctrl+4)"))


def side_tabs(panels) -> QTabWidget:
    tabs = QTabWidget()
    for panel, (title, tip) in zip(panels, SIDE_TABS):
        tabs.addTab(panel, title)
        tabs.setTabToolTip(tabs.count() - 1, tip)
    return tabs


def side_panel(presets: QWidget, tabs: QTabWidget) -> QWidget:
    """The "Render" panel: its title and the presets above the settings tabs."""
    header = QHBoxLayout()
    title = QLabel("Render")
    title.setObjectName("PanelTitle")
    header.addWidget(title)
    header.addStretch(1)
    header.addWidget(presets)
    side = QWidget()
    side.setObjectName("SidePanel")
    side.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
    layout = QVBoxLayout(side)
    layout.setContentsMargins(8, 10, 8, 8)
    layout.addLayout(header)
    layout.addWidget(tabs, 1)
    # Wide enough for the Export tab's controls at the default window size
    # (no sideways scrolling), narrow enough to leave the preview its room.
    side.setMinimumWidth(360)
    side.setMaximumWidth(480)
    return side


def splitters(live: QWidget, side: QWidget, bottom: QWidget) -> tuple[QSplitter, QSplitter]:
    """(live | side) above bottom."""
    top = QSplitter(Qt.Orientation.Horizontal)
    top.addWidget(live)
    top.addWidget(side)
    top.setStretchFactor(0, 1)
    top.setStretchFactor(1, 0)
    top.setSizes([980, 380])
    main = QSplitter(Qt.Orientation.Vertical)
    main.addWidget(top)
    main.addWidget(bottom)
    main.setStretchFactor(0, 2)
    main.setStretchFactor(1, 1)
    # The side panels' controls fit in ~480 px; the rest goes to the plots
    # and the queue (a strip of ~150 px left the plots unreadable).
    main.setSizes([520, 300])
    return top, main
