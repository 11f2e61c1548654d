"""Network cameras as live sources, against real servers on loopback:
GStreamer's RTSP server (with Basic authentication) and an MJPEG-over-HTTP
server; credentials never appear in what a person or a file sees."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from app.base.errors import PoseCloakError
from app.media.network import (
    NetworkSource,
    StreamUrl,
    check_tls_trust,
    ffmpeg_options,
    is_stream_url,
    redact_url,
)
from app.media.sources import SourceUnavailable
from tests.helpers.stream_servers import (
    MjpegServer,
    RtspServer,
    free_port,
    require_rtsp_server,
    self_signed_pem,
)

SECRET = "s3cr%t:pw"  # needs quoting in a URL


@pytest.fixture(scope="module")
def gst():
    require_rtsp_server()


def _frames(source: NetworkSource, seconds: float) -> tuple[int, list[str]]:
    """Frames read within `seconds`, and the losses seen."""
    n, lost = 0, []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if source.read(0.2) is not None:
                n += 1
        except SourceUnavailable as exc:
            lost.append(str(exc))
    return n, lost


def test_stream_urls_are_recognised_and_parsed():
    assert is_stream_url("rtsp://cam/x") and is_stream_url("RTSPS://cam") \
        and is_stream_url("https://cam/v.m3u8") and is_stream_url("http://cam/mjpg")
    assert not is_stream_url("/videos/a.mp4") and not is_stream_url("file:///a.mp4") \
        and not is_stream_url("C:\\v.mp4")
    url = StreamUrl.parse("rtsp://bob:p%40ss@cam.local:554/live?ch=1")
    assert (url.user, url.password, url.host) == ("bob", "p@ss", "cam.local")
    assert url.with_credentials() == "rtsp://bob:p%40ss@cam.local:554/live?ch=1"
    assert str(url) == repr(url)[11:-2] == "rtsp://bob:***@cam.local:554/live?ch=1"
    assert "p@ss" not in f"{url} {url!r} {[url]}"
    given = StreamUrl.parse("rtsp://cam/live", user="ann", password="x:y@z")
    assert given.with_credentials() == "rtsp://ann:x%3Ay%40z@cam/live"
    with pytest.raises(PoseCloakError, match="no host"):
        StreamUrl.parse("rtsp:///live")
    with pytest.raises(PoseCloakError) as err:
        StreamUrl.parse("rtsp://bob:hunter2@cam:notaport/x")
    assert "hunter2" not in str(err.value) and "bob:***@" in str(err.value)


def test_redaction_masks_any_password_in_text():
    text = "failed: 'rtsp://bob:hunter2@10.0.0.5/x' and http://a:b@c/ and https://plain/"
    out = redact_url(text)
    assert "hunter2" not in out and ":b@" not in out
    assert "rtsp://bob:***@10.0.0.5/x" in out and "http://a:***@c/" in out
    assert out.endswith("https://plain/")


def test_rtsp_goes_over_tcp_and_http_bypasses_the_blocked_proxy():
    assert ffmpeg_options(StreamUrl.parse("rtsp://c/x"))["rtsp_transport"] == "tcp"
    http = ffmpeg_options(StreamUrl.parse("http://c/x"))
    assert http["http_proxy"] == "" and "rtsp_transport" not in http


def test_rtsp_stream_with_password_plays(gst, carphone):
    with RtspServer(carphone, f"bob:{SECRET}") as server:
        url = StreamUrl.parse(server.url(f"bob:{SECRET.replace('%', '%25').replace(':', '%3A')}"))
        assert url.password == SECRET
        source = NetworkSource(url, "front door")
        try:
            info = source.open()
            # carphone's pixels are 128:117: shown, as in a file, at 192x144.
            assert (info.width, info.height) == (192, 144) and info.name == "front door"
            n, _lost = _frames(source, 2.0)
        finally:
            source.close()
        assert n >= 10, n


@pytest.fixture(scope="module")
def camera_cert(tmp_path_factory) -> Path:
    """A self-signed certificate for 127.0.0.1, as IP cameras have."""
    return self_signed_pem(tmp_path_factory.mktemp("camera-tls"))


def _open_tls(server: RtspServer, trust: str) -> tuple[int, str]:
    """Frames read over rtsps:// in 2 s with `trust`, or the failure's line."""
    url = replace(StreamUrl.parse(server.url()), tls_trust=trust)
    source = NetworkSource(url, "tls door")
    try:
        source.open()
        return _frames(source, 2.0)[0], ""
    except SourceUnavailable as exc:
        return 0, str(exc)
    finally:
        source.close()


def test_rtsps_with_a_self_signed_certificate(gst, carphone, camera_cert, tmp_path):
    """FFmpeg checks the camera's certificate: a self-signed one is refused
    (one clear line) unless given (or 'any'); another one is refused."""
    other = self_signed_pem(tmp_path)
    with RtspServer(carphone, f"bob:{SECRET}", tls=camera_cert) as server:
        assert server.url().startswith("rtsps://")
        results = {trust: _open_tls(server, trust) for trust in
                   ("", check_tls_trust(str(camera_cert)), "any", check_tls_trust(str(other)))}
    (n_default, refused), (n_given, ok), (n_any, ok_any), (n_other, wrong) = results.values()
    assert n_given >= 10 and n_any >= 10 and not ok and not ok_any, results
    assert n_default == n_other == 0
    assert "certificate is not trusted" in refused and "--camera-cert" in refused
    assert "certificate is not trusted" in wrong and "check the certificate file" in wrong
    for line in (refused, wrong):
        assert "\n" not in line and SECRET not in line and "rtsps://bob:***@127.0.0.1" in line


def test_a_camera_certificate_must_be_a_readable_pem(tmp_path, camera_cert):
    assert check_tls_trust("any") == "any" and check_tls_trust(str(camera_cert))
    with pytest.raises(PoseCloakError, match="cannot read"):
        check_tls_trust(str(tmp_path / "missing.pem"))
    (tmp_path / "x.pem").write_text("hello")
    with pytest.raises(PoseCloakError, match="not a PEM certificate"):
        check_tls_trust(str(tmp_path / "x.pem"))
    # Only TLS addresses get TLS options; plain RTSP ignores the setting.
    assert ffmpeg_options(StreamUrl("rtsp://c/x", tls_trust="any")).get("tls_verify") is None
    assert ffmpeg_options(StreamUrl("https://c/x", tls_trust="any"))["tls_verify"] == "0"


def test_wrong_password_is_one_clear_line(gst, carphone):
    with RtspServer(carphone, "bob:right") as server:
        source = NetworkSource(StreamUrl.parse(server.url("bob:wrong-secret")))
        with pytest.raises(SourceUnavailable) as err:
            source.open()
    message = str(err.value)
    assert "\n" not in message and "(401)" in message and "password" in message
    assert "wrong-secret" not in message and "rtsp://bob:***@127.0.0.1" in message


def test_unreachable_host_is_one_clear_line_and_retries():
    port = free_port()  # nothing listens there
    source = NetworkSource(StreamUrl.parse(f"rtsp://ann:pw123@127.0.0.1:{port}/x"),
                           backoff_start_s=0.2)
    with pytest.raises(SourceUnavailable) as err:
        source.open()
    message = str(err.value)
    assert "\n" not in message and "cannot reach the camera" in message and "Retrying" in message
    assert "pw123" not in message
    # Reads go on trying, with back-off, each failure the same one line.
    _, lost = _frames(source, 1.5)
    source.close()
    assert lost and all("cannot reach" in m for m in lost) and source.reconnects >= 1


def test_a_server_that_stops_and_comes_back_is_reconnected(gst, carphone):
    server = RtspServer(carphone).start()
    source = NetworkSource(StreamUrl.parse(server.url()), "hall", backoff_start_s=0.3,
                           backoff_max_s=1.0, read_timeout_s=2.0)
    try:
        source.open()
        before, _ = _frames(source, 1.0)
        server.stop()
        _, lost = _frames(source, 3.0)
        server.start()
        after, _ = _frames(source, 6.0)
    finally:
        source.close()
        server.stop()
    assert before >= 5 and lost, (before, lost)
    assert after >= 5 and source.reconnects >= 1, (after, source.reconnects)


def test_mjpeg_over_http_with_basic_auth(carphone):
    with MjpegServer(carphone, "cam:pass word") as server:
        source = NetworkSource(StreamUrl.parse(server.url(), user="cam", password="pass word"),
                               "porch")
        try:
            info = source.open()
            n, lost = _frames(source, 1.5)
        finally:
            source.close()
        assert (info.width, info.height) == (176, 144)
        assert n >= 5 and not lost, (n, lost)
        wrong = NetworkSource(StreamUrl.parse(server.url("cam:nope")))
        with pytest.raises(SourceUnavailable, match=r"\(401\)") as err:
            wrong.open()
        assert "nope" not in str(err.value)


def test_hls_over_http(tmp_path, carphone):
    """An HLS playlist (.m3u8 and MPEG-TS segments, written by FFmpeg's HLS
    muxer) served over HTTP on loopback plays as a live source."""
    import functools
    import threading
    from fractions import Fraction
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    import av
    with av.open(str(carphone)) as src, av.open(str(tmp_path / "live.m3u8"), "w", format="hls",
                                               options={"hls_time": "1",
                                                        "hls_list_size": "0"}) as out:
        stream = out.add_stream("libx264", rate=15)
        stream.width, stream.height, stream.pix_fmt = 176, 144, "yuv420p"
        for n, frame in enumerate(src.decode(video=0)):
            if n >= 60:
                break
            frame = frame.reformat(format="yuv420p")
            frame.pts, frame.time_base = n, Fraction(1, 15)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        source = NetworkSource(StreamUrl.parse(
            f"http://127.0.0.1:{server.server_address[1]}/live.m3u8"), "hls")
        try:
            info = source.open()
            n, _ = _frames(source, 2.0)
        finally:
            source.close()
    finally:
        server.shutdown()
        server.server_close()
    assert (info.width, info.height) == (176, 144) and n >= 5, n


def test_a_host_that_never_answers_does_not_hang():
    """A camera that accepts the connection and then says nothing: the open
    gives up after its time limit, with one line."""
    import socket
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        source = NetworkSource(StreamUrl.parse(f"rtsp://127.0.0.1:{port}/x"),
                               open_timeout_s=2.0, read_timeout_s=2.0)
        started = time.monotonic()
        with pytest.raises(SourceUnavailable) as err:
            source.open()
        source.close()
    assert time.monotonic() - started < 30
    message = str(err.value)
    assert "\n" not in message and "cannot reach the camera (no answer in time)" in message, message
