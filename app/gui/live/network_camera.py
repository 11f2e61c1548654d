"""The "Add network camera" dialog: an rtsp://, rtsps:// or http(s):// address
(MJPEG, HLS), with a user and password apart. The password stays in memory
for this session only: it is never saved, and the source bar shows the
address redacted (`rtsp://user:***@host/...`)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from app.base.errors import PoseCloakError
from app.media.network import StreamUrl


class NetworkCameraDialog(QDialog):
    """Thread: GUI. `stream()` after `exec()` accepted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add network camera")
        self.url = QLineEdit()
        self.url.setPlaceholderText("rtsp://192.168.1.20:554/stream1")
        self.url.setToolTip("The camera's stream address: rtsp://, rtsps://, or http(s):// for "
                            "MJPEG and HLS (.m3u8)")
        self.user = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setToolTip("Kept in memory for this session only; never saved")
        self.error = QLabel()
        self.error.setObjectName("Error")
        self.error.setWordWrap(True)
        self.error.hide()
        note = QLabel("The password is kept in memory only, never saved. Only the skeleton "
                      "is shown and recorded.")
        note.setObjectName("Muted")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Address", self.url)
        form.addRow("User", self.user)
        form.addRow("Password", self.password)
        form.addRow(note)
        form.addRow(self.error)
        form.addRow(buttons)
        self._stream: StreamUrl | None = None

    def accept(self) -> None:
        try:
            self._stream = StreamUrl.parse(self.url.text(), user=self.user.text() or None,
                                           password=self.password.text() or None)
        except PoseCloakError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        super().accept()

    def stream(self) -> StreamUrl | None:
        return self._stream
