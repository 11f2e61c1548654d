"""Network cameras and alerts in the app, driven as a user would: the "Add
network camera" dialog, a live preview of a real MJPEG stream on loopback
that says when it is reconnecting, a password that is never saved, and the
app's Alerts setting sending a live fall alert the way `watch` does."""

from __future__ import annotations

from dataclasses import replace

from app.studio.studio_settings import to_dict
from tests.gui.conftest import close_dialogs
from tests.helpers.motion_clips import FALL_KEYS, angle_schedule, player_canvas, tipped
from tests.helpers.sources import SyntheticSource
from tests.helpers.stream_servers import (
    AlertReceiver,
    MjpegServer,
    RtspServer,
    require_rtsp_server,
    self_signed_pem,
)

PASSWORD = "Pw-7q!x"


def test_dialog_takes_an_address_and_a_password_kept_apart(qtbot):
    from app.gui.live.network_camera import NetworkCameraDialog
    dialog = NetworkCameraDialog()
    qtbot.addWidget(dialog)
    dialog.url.setText("ftp://cam/x")
    dialog.accept()
    assert dialog.error.isVisibleTo(dialog) and "not a stream address" in dialog.error.text()
    assert dialog.stream() is None
    dialog.url.setText("rtsp://192.168.1.20:554/stream1")
    dialog.user.setText("nurse")
    dialog.password.setText(PASSWORD)
    dialog.accept()
    stream = dialog.stream()
    assert stream.password == PASSWORD and stream.user == "nurse"
    assert str(stream) == "rtsp://nurse:***@192.168.1.20:554/stream1"


def _choose_trust(dialog, value: str) -> None:
    dialog.trust.setCurrentIndex(dialog.trust.findData(value))


def test_dialog_takes_the_certificate_an_encrypted_camera_is_checked_by(qtbot, tmp_path):
    from app.gui.live.network_camera import NetworkCameraDialog
    dialog = NetworkCameraDialog()
    qtbot.addWidget(dialog)
    dialog.url.setText("rtsps://192.168.1.20:322/stream1")
    assert not dialog.cert_file.isEnabled()
    _choose_trust(dialog, "file")
    assert dialog.cert_file.isEnabled()
    dialog.accept()
    assert "certificate file" in dialog.error.text() and dialog.stream() is None
    (tmp_path / "not.pem").write_text("hello")
    dialog.cert_file.setText(str(tmp_path / "not.pem"))
    dialog.accept()
    assert "not a PEM certificate" in dialog.error.text() and dialog.stream() is None
    pem = self_signed_pem(tmp_path)
    dialog.cert_file.setText(str(pem))
    dialog.accept()
    assert dialog.stream().tls_trust == str(pem.resolve())
    _choose_trust(dialog, "any")
    dialog.accept()
    assert dialog.stream().tls_trust == "any"


def test_live_preview_of_an_rtsps_camera_with_its_own_certificate(qtbot, window, carphone,
                                                                  tmp_path):
    """The dialog's certificate reaches the live source: a self-signed
    camera (refused by the system's authorities) is shown."""
    require_rtsp_server()
    from app.gui.live.network_camera import NetworkCameraDialog
    pem = self_signed_pem(tmp_path)
    with RtspServer(carphone, f"nurse:{PASSWORD}", tls=pem) as server:
        dialog = NetworkCameraDialog()
        qtbot.addWidget(dialog)
        dialog.url.setText(server.url(""))
        dialog.user.setText("nurse")
        dialog.password.setText(PASSWORD)
        _choose_trust(dialog, "file")
        dialog.cert_file.setText(str(pem))
        dialog.accept()
        window.live.source_bar.set_stream(dialog.stream())
        window.live.start_selected()
        qtbot.waitUntil(lambda: window.live.frames_shown >= 5, timeout=60000)
        window.live.stop()
        qtbot.waitUntil(lambda: not window.live.running, timeout=15000)
    assert not close_dialogs(window)


def test_live_preview_of_a_network_camera_says_when_it_reconnects(qtbot, window, carphone, store):
    from app.media.network import StreamUrl
    bar = window.live.source_bar
    with MjpegServer(carphone, f"nurse:{PASSWORD}") as server:
        bar.set_stream(StreamUrl.parse(server.url(), user="nurse", password=PASSWORD))
        assert bar.source.currentText() == f"http://nurse:***@127.0.0.1:{server.port}/video"
        assert bar.choice().kind == "stream"
        window.live.start_selected()
        qtbot.waitUntil(lambda: window.live.frames_shown >= 5, timeout=60000)
    # The server is gone: the preview says it is reconnecting.
    qtbot.waitUntil(lambda: "Reconnecting" in window.live.preview.skeleton.overlay, timeout=30000)
    window.live.stop()
    qtbot.waitUntil(lambda: not window.live.running, timeout=15000)
    window.close()
    from pathlib import Path
    saved = repr(to_dict(window.settings)) + Path(store.file_name).read_text(errors="replace")
    assert PASSWORD not in saved
    assert not close_dialogs(window)


def test_app_alert_setting_sends_the_live_fall_alert(qtbot, window, media, tmp_path):
    out = tmp_path / "alert.json"
    with AlertReceiver() as receiver:
        window.set_settings(replace(window.settings, alert_url=receiver.url,
                                    alert_command=f'cat > "{out}"'))
        canvas = player_canvas(media)
        frames = [tipped(canvas, a) for a in angle_schedule(FALL_KEYS)]
        window.live.start(SyntheticSource(frames, fps=15))
        qtbot.waitUntil(lambda: window.live.fall_banner.isVisible(), timeout=60000)
        qtbot.waitUntil(lambda: bool(receiver.bodies and out.exists() and out.stat().st_size),
                        timeout=20000)
        window.live.stop()
        qtbot.waitUntil(lambda: not window.live.running, timeout=15000)
    body = receiver.bodies[0]
    assert body["kind"] == "fall" and body["person_id"] == \
        window.live.fall_banner.alerts[0].event.person_id
    assert set(body) == {"kind", "time", "camera", "person_id", "confidence", "detail"}
    import json
    assert json.loads(out.read_text()) == body
    assert not close_dialogs(window)
