"""Real stream servers on 127.0.0.1 for the network-camera and watch tests:
GStreamer's RTSP server (tests/helpers/rtsp_server.py, run with the system
Python that has `gi`), an MJPEG-over-HTTP server, and an HTTP receiver for
alert POSTs. In CI on Linux a missing GStreamer RTSP server is a failure
(.ci/run installs it), elsewhere the tests that need it skip.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
SYSTEM_PYTHON = "/usr/bin/python3"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def must_serve() -> bool:
    return sys.platform.startswith("linux") and \
        os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def rtsp_problem() -> str | None:
    """Why the GStreamer RTSP server cannot run here, or None."""
    if not sys.platform.startswith("linux"):
        return "the GStreamer RTSP test server is set up on Linux only"
    if not Path(SYSTEM_PYTHON).exists():
        return f"{SYSTEM_PYTHON} is missing"
    check = ("import gi; gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', "
             "'1.0'); from gi.repository import Gst, GstRtspServer; Gst.init(None); "
             "import sys; sys.exit(0 if all(Gst.ElementFactory.find(e) for e in "
             "('x264enc', 'rtph264pay', 'decodebin', 'videoconvert')) else 3)")
    try:
        res = subprocess.run([SYSTEM_PYTHON, "-c", check], capture_output=True, text=True,
                             timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"GStreamer does not run: {exc}"
    if res.returncode == 3:
        return ("GStreamer plugins are missing (Debian: gstreamer1.0-plugins-good, "
                "gstreamer1.0-plugins-ugly, gstreamer1.0-libav)")
    if res.returncode != 0:
        return ("GStreamer's RTSP server is not installed (Debian: gstreamer1.0-rtsp, "
                "gir1.2-gst-rtsp-server-1.0, python3-gi)")
    return None


class RtspServer:
    """Serves `clip` at rtsp://127.0.0.1:PORT/clip; `stop` and `start` again
    (same port) simulate a camera that goes away and comes back."""

    def __init__(self, clip: Path, credentials: str = "", port: int | None = None,
                 tls: Path | None = None) -> None:
        """`tls`: a PEM file with a certificate and its key: rtsps:// (see
        self_signed_pem)."""
        self.clip = Path(clip)
        self.credentials = credentials
        self.port = port or free_port()
        self.tls = tls
        self._proc: subprocess.Popen | None = None

    def url(self, credentials: str | None = None) -> str:
        creds = self.credentials if credentials is None else credentials
        auth = f"{creds}@" if creds else ""
        scheme = "rtsps" if self.tls else "rtsp"
        return f"{scheme}://{auth}127.0.0.1:{self.port}/clip"

    def start(self) -> RtspServer:
        args = [SYSTEM_PYTHON, str(HERE / "rtsp_server.py"), str(self.port), str(self.clip)]
        if self.credentials:
            args.append(self.credentials)
        if self.tls:
            args.append(f"--tls={self.tls}")
        # The system Python, without the project's virtual environment.
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH",
                                                                "PYTHONHOME")}
        self._proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True, env=env)
        line = self._proc.stdout.readline()
        if line.strip() != "ready":
            err = self._proc.stderr.read()
            self.stop()
            raise RuntimeError(f"RTSP server did not start: {line} {err[-500:]}")
        return self

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def __enter__(self) -> RtspServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def self_signed_pem(folder: Path, host: str = "127.0.0.1") -> Path:
    """A self-signed certificate for `host` and its key in one PEM file, as
    an IP camera has (made with the openssl command)."""
    key, cert, pem = folder / "key.pem", folder / "cert.pem", folder / "camera.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={host}",
                    "-addext", f"subjectAltName=IP:{host}"],
                   check=True, capture_output=True)
    pem.write_text(cert.read_text() + key.read_text())
    return pem


def _jpeg_frames(clip: Path, limit: int = 120) -> list[bytes]:
    import av
    out = []
    with av.open(str(clip)) as c:
        for n, frame in enumerate(c.decode(video=0)):
            if n >= limit:
                break
            img = frame.to_image()
            import io
            buf = io.BytesIO()
            img.save(buf, format="JPEG", quality=85)
            out.append(buf.getvalue())
    return out


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class MjpegServer:
    """MJPEG over HTTP (multipart/x-mixed-replace), as many IP cameras serve
    it, at http://127.0.0.1:PORT/video, looping `clip` at `fps`, with Basic
    authentication when `credentials` ("user:password") are given."""

    def __init__(self, clip: Path, credentials: str = "", fps: float = 15.0) -> None:
        self.frames = _jpeg_frames(clip)
        self.credentials = credentials
        self.fps = fps
        self.requests: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                owner.requests.append(self.path)
                if owner.credentials:
                    want = "Basic " + base64.b64encode(owner.credentials.encode()).decode()
                    if self.headers.get("Authorization") != want:
                        self.send_response(401)
                        self.send_header("WWW-Authenticate", 'Basic realm="camera"')
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                self.send_response(200)
                self.send_header("Content-Type", "multipart/x-mixed-replace;boundary=frame")
                self.end_headers()
                n = 0
                try:
                    while not owner._stop.is_set():
                        jpeg = owner.frames[n % len(owner.frames)]
                        self.wfile.write(b"--frame\r\nContent-Type: image/jpeg\r\n"
                                         + f"Content-Length: {len(jpeg)}\r\n\r\n".encode()
                                         + jpeg + b"\r\n")
                        n += 1
                        time.sleep(1 / owner.fps)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self._stop = threading.Event()
        self._server = _Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, credentials: str | None = None) -> str:
        creds = self.credentials if credentials is None else credentials
        return f"http://{creds + '@' if creds else ''}127.0.0.1:{self.port}/video"

    def __enter__(self) -> MjpegServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


class AlertReceiver:
    """Collects the JSON bodies POSTed to http://127.0.0.1:PORT/alert."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.headers: list[dict] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                owner.bodies.append(json.loads(body))
                owner.headers.append(dict(self.headers))
                self.send_response(204)
                self.end_headers()

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/alert"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> AlertReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def gst_available() -> bool:
    return shutil.which("gst-launch-1.0") is not None


def require_rtsp_server() -> None:
    """Skips the calling test where GStreamer's RTSP server is missing, and
    fails it in CI, which must run the stream server tests."""
    import pytest
    problem = rtsp_problem()
    if problem:
        if must_serve():
            pytest.fail(f"{problem}; CI must run the stream server tests (.ci/run installs it)")
        pytest.skip(problem)
