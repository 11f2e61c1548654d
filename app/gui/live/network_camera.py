"""The "Add network camera" dialog: an rtsp://, rtsps:// or http(s):// address
(MJPEG, HLS), with a user and password apart. The password stays in memory
for this session only: it is never saved, and the source bar shows the
address redacted (`rtsp://user:***@host/...`). An encrypted camera's
certificate is checked as `watch --camera-cert` checks it
(app/media/network.py): by the system's authorities, by the camera's own
certificate file, or not at all."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from app.base.errors import PoseCloakError
from app.gui.panels.widgets import path_row
from app.media.network import TRUST_ANY, StreamUrl, check_tls_trust

# (label, value of StreamUrl.tls_trust; "file": the path typed or chosen)
TRUST_CHOICES = (
    ("The system's certificate authorities", ""),
    ("The camera's certificate file", "file"),
    ("Encrypt without checking (an impostor camera would not be noticed)", TRUST_ANY),
)


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
        self.trust = QComboBox()
        for label, value in TRUST_CHOICES:
            self.trust.addItem(label, value)
        self.trust.setToolTip("rtsps:// and https:// only. IP cameras mostly have a "
                              "self-signed certificate: give its PEM file (the address's "
                              "name is still checked)")
        self.cert_file = QLineEdit()
        self.cert_file.setPlaceholderText("camera.pem")
        cert_row, browse = path_row(self.cert_file, self._browse_cert)
        self._cert_widgets = (self.cert_file, browse)
        self.trust.currentIndexChanged.connect(self._trust_changed)
        self._trust_changed()
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
        form.addRow("Certificate", self.trust)
        form.addRow("", cert_row)
        form.addRow(note)
        form.addRow(self.error)
        form.addRow(buttons)
        self._stream: StreamUrl | None = None

    def accept(self) -> None:
        try:
            stream = StreamUrl.parse(self.url.text(), user=self.user.text() or None,
                                     password=self.password.text() or None)
            trust = self.trust.currentData()
            if trust == "file":
                if not self.cert_file.text().strip():
                    raise PoseCloakError("Choose the camera's certificate file (PEM).")
                trust = self.cert_file.text().strip()
            self._stream = replace(stream, tls_trust=check_tls_trust(trust))
        except PoseCloakError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        super().accept()

    def stream(self) -> StreamUrl | None:
        return self._stream

    def _trust_changed(self) -> None:
        for widget in self._cert_widgets:
            widget.setEnabled(self.trust.currentData() == "file")

    def _browse_cert(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Camera certificate", "",
                                              "Certificates (*.pem *.crt);;All files (*)")
        if name:
            self.cert_file.setText(name)
