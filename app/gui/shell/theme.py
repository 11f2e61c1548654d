"""Dark and light themes on Qt's Fusion style, following the system's colour
scheme unless the user picks one."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

THEME_MODES = ("system", "light", "dark")
ACCENT = "#00bcd4"  # the skeleton's cyan, a little deeper for text contrast


@dataclass(frozen=True)
class Colors:
    window: str
    panel: str
    base: str
    alt: str
    text: str
    muted: str
    border: str
    preview: str
    button: str


    indicator: str  # the border of an unchecked box: clearly visible on the panel


DARK = Colors(window="#1b1d21", panel="#23262b", base="#15171a", alt="#1f2226",
              text="#e7e9ec", muted="#9aa1ab", border="#31353c", preview="#0d0e10",
              button="#2c3036", indicator="#8a919b")
LIGHT = Colors(window="#eef0f3", panel="#ffffff", base="#ffffff", alt="#f5f6f8",
               text="#1d2026", muted="#5f6672", border="#d5d9e0", preview="#20232a",
               button="#f4f5f7", indicator="#7a818c")


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def _palette(c: Colors) -> QPalette:
    p = QPalette()
    roles = QPalette.ColorRole
    for role, value in ((roles.Window, c.window), (roles.WindowText, c.text),
                        (roles.Base, c.base), (roles.AlternateBase, c.alt),
                        (roles.Text, c.text), (roles.Button, c.button),
                        (roles.ButtonText, c.text), (roles.ToolTipBase, c.panel),
                        (roles.ToolTipText, c.text), (roles.PlaceholderText, c.muted),
                        (roles.Highlight, ACCENT), (roles.HighlightedText, "#ffffff"),
                        (roles.Link, ACCENT), (roles.Mid, c.border), (roles.Midlight, c.alt),
                        (roles.Dark, c.border), (roles.Light, c.panel)):
        p.setColor(role, QColor(value))
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.Text, roles.WindowText, roles.ButtonText):
        p.setColor(disabled, role, QColor(c.muted))
    return p


def _stylesheet(c: Colors) -> str:
    return f"""
    QMainWindow, QDialog {{ background: {c.window}; }}
    QWidget#SidePanel, QWidget#BottomPanel {{ background: {c.panel};
        border: 1px solid {c.border}; border-radius: 10px; }}
    QTabWidget::pane {{ border: none; }}
    QTabBar::tab {{ padding: 6px 12px; margin: 2px; border-radius: 6px; color: {c.muted}; }}
    QTabBar::tab:selected {{ background: {c.alt}; color: {c.text}; }}
    QGroupBox {{ border: none; margin-top: 16px; font-weight: 600; }}
    QGroupBox::title {{ subcontrol-origin: margin; left: 0px; padding: 0 0 4px 0;
        color: {c.muted}; }}
    QLabel#Muted, QLabel#Hint {{ color: {c.muted}; }}
    QLabel#PanelTitle {{ font-size: 15px; font-weight: 700; }}
    QPushButton, QToolButton {{ padding: 5px 10px; border-radius: 6px;
        border: 1px solid {c.border}; background: {c.button}; }}
    QPushButton:hover, QToolButton:hover {{ border-color: {ACCENT}; }}
    QPushButton:checked, QToolButton:checked {{ background: {ACCENT}; color: #ffffff;
        border-color: {ACCENT}; }}
    QPushButton#Primary {{ background: {ACCENT}; color: #ffffff; border-color: {ACCENT};
        font-weight: 600; }}
    QPushButton:disabled, QPushButton#Primary:disabled {{ background: {c.button};
        color: {c.muted}; border-color: {c.border}; }}
    QPushButton#Record:checked {{ background: #e5484d; border-color: #e5484d; }}
    QCheckBox::indicator, QListView::indicator {{ width: 14px; height: 14px;
        border: 2px solid {c.indicator}; border-radius: 4px; background: {c.base}; }}
    QCheckBox::indicator:hover, QListView::indicator:hover {{ border-color: {ACCENT}; }}
    QCheckBox::indicator:checked, QListView::indicator:checked {{ background: {ACCENT};
        border-color: {ACCENT}; }}
    QCheckBox::indicator:disabled, QListView::indicator:disabled {{ border-color: {c.border}; }}
    QListView::indicator {{ width: 9px; height: 9px; }}
    QLineEdit {{ padding: 4px 6px; border-radius: 6px;
        border: 1px solid {c.border}; background: {c.base}; }}
    QComboBox, QSpinBox, QDoubleSpinBox {{ padding: 3px 6px; }}
    QSlider::groove:horizontal {{ height: 4px; background: {c.border}; border-radius: 2px; }}
    QSlider::sub-page:horizontal {{ background: {ACCENT}; border-radius: 2px; }}
    QSlider::handle:horizontal {{ background: #ffffff; border: 2px solid {ACCENT};
        width: 12px; height: 12px; margin: -6px 0; border-radius: 8px; }}
    QTableView {{ border: none; background: {c.panel}; gridline-color: transparent;
        selection-background-color: {c.alt}; selection-color: {c.text}; }}
    QHeaderView::section {{ background: {c.panel}; color: {c.muted}; border: none;
        border-bottom: 1px solid {c.border}; padding: 4px 6px; }}
    QStatusBar {{ color: {c.muted}; }}
    QStatusBar QLabel {{ padding: 0 8px; }}
    QSplitter::handle {{ background: transparent; }}
    QScrollArea {{ border: none; background: transparent; }}
    QScrollArea > QWidget > QWidget {{ background: transparent; }}
    """


class ThemeManager(QObject):
    """Applies the chosen mode and re-applies it when the system scheme
    changes. Thread: GUI."""

    changed = Signal(bool)  # True when dark

    def __init__(self, app: QApplication, mode: str = "system") -> None:
        super().__init__(app)
        self._app = app
        self.mode = mode if mode in THEME_MODES else "system"
        self.dark = False
        app.setStyle("Fusion")
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_system_scheme_changed)

    def apply(self, mode: str | None = None) -> None:
        if mode is not None:
            self.mode = mode if mode in THEME_MODES else "system"
        self.dark = system_is_dark() if self.mode == "system" else self.mode == "dark"
        colors = DARK if self.dark else LIGHT
        self._app.setPalette(_palette(colors))
        self._app.setStyleSheet(_stylesheet(colors))
        self.changed.emit(self.dark)

    def colors(self) -> Colors:
        return DARK if self.dark else LIGHT

    def _on_system_scheme_changed(self, _scheme) -> None:
        if self.mode == "system":
            self.apply()
