"""The tabs below the preview: Queue, Plots and Analysis. Plots and Analysis
are built after start-up (or on first use, if that comes sooner), so that
importing pyqtgraph (about a second) does not delay the window's first
paint."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QTabWidget, QWidget


class BottomTabs(QTabWidget):
    """Thread: GUI. `on_analysis_built(view)` wires a new Analysis view."""

    def __init__(self, queue: QWidget, dark: Callable[[], bool | None],
                 on_analysis_built: Callable[[object], None]) -> None:
        super().__init__()
        self.setObjectName("BottomPanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.queue = queue
        self._dark = dark
        self._on_analysis_built = on_analysis_built
        self._plots = None
        self._analysis = None
        self.addTab(queue, "Queue")
        self._plots_placeholder = QWidget()
        self.addTab(self._plots_placeholder, "Plots")
        self._analysis_placeholder = QWidget()
        self.addTab(self._analysis_placeholder, "Analysis")

    @property
    def panels_built(self) -> bool:
        """Whether the Plots and Analysis panels exist (see `build_panels`)."""
        return self._plots is not None and self._analysis is not None

    @property
    def plots_built(self) -> bool:
        return self._plots is not None

    def build_panels(self) -> None:
        """Builds the Plots panel now and the Analysis view at the next turn
        of the event loop (about 100 and 40 ms of the GUI thread, so the
        event loop runs between them). Called once pyqtgraph is imported off
        the GUI thread (app/gui/shell/import_warmup.py), at start-up, so that
        neither is built while a live preview or an export runs."""
        _ = self.plots
        QTimer.singleShot(0, self, lambda: self.analysis)

    @property
    def plots(self):
        """The Plots panel (app/gui/analysis/plots.py), built on first use."""
        if self._plots is None:
            from app.gui.analysis.plots import PlotsPanel
            self._plots = PlotsPanel()
            self._replace(self._plots_placeholder, self._plots, "Plots")
        return self._plots

    @property
    def analysis(self):
        """The Analysis view (app/gui/analysis/analysis_view.py), built on first use."""
        if self._analysis is None:
            from app.gui.analysis.analysis_view import AnalysisView
            self._analysis = AnalysisView()
            self._on_analysis_built(self._analysis)
            self._replace(self._analysis_placeholder, self._analysis, "Analysis")
        return self._analysis

    def set_dark(self, dark: bool) -> None:
        """Themes the panels built so far; the others take `dark()` when built
        (building one here would import pyqtgraph on the GUI thread)."""
        for panel in (self._plots, self._analysis):
            if panel is not None:
                panel.set_dark(dark)

    def show_queue(self) -> None:
        self.setCurrentWidget(self.queue)

    def show_plots(self) -> None:
        self.setCurrentWidget(self.plots)

    def show_analysis(self) -> None:
        self.setCurrentWidget(self.analysis)

    def _replace(self, placeholder: QWidget, widget, title: str) -> None:
        dark = self._dark()
        if dark is not None:
            widget.set_dark(dark)
        index = self.indexOf(placeholder)
        current = self.currentIndex()
        self.removeTab(index)
        self.insertTab(index, widget, title)
        self.setCurrentIndex(current)
        placeholder.deleteLater()
