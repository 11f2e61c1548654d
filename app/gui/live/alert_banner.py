"""The live fall alert: a red banner above the preview with the time of the
fall, which stays until dismissed (a new alert replaces its text and the
count of alerts grows), so an alert is never missed while nobody watches."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

_STYLE = ("QFrame#FallAlert{background:#c62828;border-radius:6px}"
          "QFrame#FallAlert QLabel{color:white;font-weight:600}"
          "QFrame#FallAlert QPushButton{color:white;background:#8e1c1c;border:none;"
          "border-radius:4px;padding:3px 10px}")


class FallBanner(QFrame):
    """Thread: GUI."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FallAlert")
        self.setStyleSheet(_STYLE)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.dismiss = QPushButton("Dismiss")
        self.dismiss.setToolTip("Hide the alert (it stays in the recording's events)")
        self.dismiss.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 8, 6)
        layout.addWidget(QLabel("\u26a0"))
        layout.addWidget(self.label, 1)
        layout.addWidget(self.dismiss)
        self.alerts: list = []
        self.hide()

    def show_alert(self, alert) -> None:
        """`alert`: capture_worker.FallAlert."""
        self.alerts.append(alert)
        more = f"  ({len(self.alerts)} alerts)" if len(self.alerts) > 1 else ""
        self.label.setText(alert.text + more)
        self.show()

    def clear(self) -> None:
        self.alerts.clear()
        self.hide()
