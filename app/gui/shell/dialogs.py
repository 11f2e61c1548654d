"""Non-blocking message boxes for the window: an error never stops the queue
or the preview, and each open box is kept (and listed) until it closes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


class OpenDialogs:
    """The window's open message boxes. Thread: GUI."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent
        self.boxes: list[QMessageBox] = []
        self.suppressed = False  # closing: boxes are made (and listed) but not shown

    def show_error(self, title: str, message: str) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Warning, title, message,
                          QMessageBox.StandardButton.Ok, self.parent)
        box.setObjectName("ErrorDialog")
        return self.show(box)

    def show(self, box: QMessageBox) -> QMessageBox:
        """Shows `box` without blocking and keeps it listed until it closes."""
        box.setModal(False)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _r: self.boxes.remove(box) if box in self.boxes else None)
        self.boxes.append(box)
        if not self.suppressed:
            box.show()
        return box
