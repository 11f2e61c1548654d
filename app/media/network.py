"""Network cameras as live sources: RTSP (rtsp://, rtsps://), MJPEG and HLS
over HTTP(S), through PyAV's FFmpeg. Qt-free.

Credentials come in the URL (`rtsp://user:pass@host/...`) or separately
(a prompt, the app's dialog) and live only in memory: everything a user or
a file can see names the camera by `redact_url` (`rtsp://user:***@host/...`),
and FFmpeg's own error texts, which quote the URL, are never passed on.

A `NetworkSource` is a `CameraSource` (a private reader thread keeps only the
newest picture, so a slow consumer never builds a backlog) whose device is a
URL: a stream that drops raises SourceUnavailable once, later reads reconnect
with back-off (1 s doubling to 30 s), and frames come again when the camera
is back. A wrong password and an unreachable host are each one clear line.

Proxies: the process's proxy variables are blocked (app/base/netguard.py),
and FFmpeg's HTTP client reads `http_proxy` itself; a camera is reached
directly (`http_proxy` option set empty), as cameras sit on the local network.

TLS (rtsps://, https://): FFmpeg checks the camera's certificate against the
system's certificate authorities and the address's name (FFmpeg 8, PyAV 19:
`tls_verify` is on; measured against GStreamer's RTSP server with a
self-signed certificate: refused). IP cameras mostly have self-signed
certificates, so `StreamUrl.tls_trust` is either a PEM file of the
certificates to trust (the camera's own, or the CA that signed it; the name
is still checked) or "any": encrypted, but not checked (safe from a
listener on the network, not from an impostor camera or a
man-in-the-middle, who would then get the password too).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from app.base.errors import PoseCloakError
from app.media.camera import CameraDevice, CameraSource
from app.media.sources import SourceInfo, SourceUnavailable

SCHEMES = ("rtsp", "rtsps", "http", "https")
MASK = "***"
OPEN_TIMEOUT_S = 10.0  # connecting and the first picture; a dead host gives up after this
READ_TIMEOUT_S = 5.0  # no data for this long: the stream is lost
BACKOFF_START_S = 1.0
BACKOFF_MAX_S = 30.0


def is_stream_url(text: str) -> bool:
    """Whether `text` names a network stream (not a file or a camera)."""
    scheme, sep, _ = str(text).partition("://")
    return bool(sep) and scheme.lower() in SCHEMES


@dataclass(frozen=True)
class StreamUrl:
    """A stream's address with its credentials apart. `str()` and `repr()`
    are redacted; only `with_credentials()` holds the password."""

    url: str  # without user and password
    user: str = ""
    password: str = ""
    tls_trust: str = ""  # "": the system's CAs; a PEM file's path; "any": no check

    @classmethod
    def parse(cls, text: str, user: str | None = None, password: str | None = None) -> StreamUrl:
        """From a URL, its credentials in it or given (given ones win)."""
        text = text.strip()
        if not is_stream_url(text):
            raise PoseCloakError(f"{redact_url(text)}: not a stream address (rtsp://, rtsps://, "
                                 "http:// or https://).")
        parts = urlsplit(text)
        if not parts.hostname:
            raise PoseCloakError(f"{redact_url(text)}: the address names no host.")
        try:
            port = parts.port
        except ValueError:
            raise PoseCloakError(f"{redact_url(text)}: the port is not a number.") from None
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        netloc = f"{host}:{port}" if port is not None else host
        bare = urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))
        return cls(bare, user if user is not None else unquote(parts.username or ""),
                   password if password is not None else unquote(parts.password or ""))

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    def with_credentials(self) -> str:
        """The URL FFmpeg opens. Never log or store it."""
        if not self.user and not self.password:
            return self.url
        parts = urlsplit(self.url)
        auth = quote(self.user, safe="")
        if self.password:
            auth += ":" + quote(self.password, safe="")
        return urlunsplit(parts._replace(netloc=f"{auth}@{parts.netloc}"))

    def redacted(self) -> str:
        """For people and files: `rtsp://user:***@host/...`."""
        if not self.user and not self.password:
            return self.url
        parts = urlsplit(self.url)
        auth = quote(self.user, safe="") + (f":{MASK}" if self.password else "")
        return urlunsplit(parts._replace(netloc=f"{auth}@{parts.netloc}"))

    def __str__(self) -> str:
        return self.redacted()

    def __repr__(self) -> str:
        return f"StreamUrl({self.redacted()!r})"


def redact_url(text: str) -> str:
    """`text` with the password of any URL in it masked (for messages,
    logs and saved settings); text without a URL comes back unchanged."""
    import re
    return re.sub(r"(?i)\b([a-z][a-z0-9+.-]*://[^/@\s:]*):[^/@\s]*@", rf"\1:{MASK}@", str(text))


def ffmpeg_options(url: StreamUrl) -> dict[str, str]:
    """Demuxer options: RTSP over TCP (no lost UDP packets, passes NAT and
    firewalls) with low delay; HTTP without a proxy."""
    tls = tls_options(url)
    if url.scheme in ("rtsp", "rtsps"):
        return {"rtsp_transport": "tcp", "fflags": "nobuffer", "flags": "low_delay", **tls}
    # No "nobuffer" here: MPEG-TS segments of HLS then give no picture.
    return {"http_proxy": "", "reconnect": "0", **tls}  # reconnecting is ours, with back-off


TRUST_ANY = "any"


def tls_options(url: StreamUrl) -> dict[str, str]:
    """FFmpeg's TLS options for `url.tls_trust` (see the module docstring)."""
    if url.scheme not in ("rtsps", "https") or not url.tls_trust:
        return {}
    if url.tls_trust == TRUST_ANY:
        return {"tls_verify": "0"}
    return {"tls_verify": "1", "ca_file": url.tls_trust}


def check_tls_trust(value: str) -> str:
    """A --camera-cert value: "any" or a readable PEM file."""
    from pathlib import Path
    if value in ("", TRUST_ANY):
        return value
    path = Path(value).expanduser()
    try:
        text = path.read_text(encoding="ascii", errors="replace")
    except OSError as exc:
        raise PoseCloakError(f"{value}: cannot read the camera certificate "
                             f"({exc.strerror}).") from None
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise PoseCloakError(f"{value}: not a PEM certificate (-----BEGIN CERTIFICATE-----).")
    return str(path.resolve())


def describe_stream_error(url: StreamUrl, exc: BaseException) -> str:
    """One line for a failed connection, never quoting the URL FFmpeg had."""
    errno_ = getattr(exc, "errno", None)
    text = (getattr(exc, "strerror", None) or type(exc).__name__).strip().rstrip(".")
    low = text.lower()
    name = url.redacted()
    if "exit requested" in low:  # PyAV's time limit interrupted FFmpeg
        text = "no answer in time"
        low = text
    if "401" in low or "unauthorized" in low or "403" in low or "forbidden" in low:
        return (f"{name}: the camera refused the user name or password (401): check them "
                "(the password is not shown).")
    if "404" in low or "not found" in low and "server returned" in low:
        return f"{name}: the camera has no stream at this address (404): check the path."
    if errno_ in (5, -5) and url.scheme in ("rtsps", "https"):
        # FFmpeg says only "Input/output error" when the TLS handshake fails;
        # its log (not passed on) says why, mostly an untrusted certificate.
        how = ("check the certificate file given" if url.tls_trust and url.tls_trust != TRUST_ANY
               else "a self-signed camera certificate must be given (--camera-cert FILE) or "
               "accepted unchecked (--camera-cert any)")
        return (f"{name}: the secure connection failed ({text}), most likely the camera's "
                f"certificate is not trusted: {how}.")
    if errno_ in (110, 111, 113, 101, 104, -110, -111, -113) or any(w in low for w in (
            "connection refused", "timed out", "timeout", "no answer", "no route", "unreachable",
            "name or service", "resolve", "exit requested", "immediate exit")):
        return (f"{name}: cannot reach the camera ({text}): is it on, and on this network? "
                "Retrying.")
    return f"{name}: the stream cannot be read ({text})."


class NetworkSource(CameraSource):
    """A network camera as a live source; see the module docstring. The
    worker thread that owns it calls open/read/close; `interrupt` and
    `state` may be read from any thread."""

    def __init__(self, url: StreamUrl, name: str | None = None, *,
                 open_timeout_s: float = OPEN_TIMEOUT_S, read_timeout_s: float = READ_TIMEOUT_S,
                 backoff_start_s: float = BACKOFF_START_S,
                 backoff_max_s: float = BACKOFF_MAX_S) -> None:
        self.url = url
        device = CameraDevice(0, name or url.redacted(), url.redacted(), "",
                              option_sets=(tuple(ffmpeg_options(url).items()),))
        super().__init__(device, open_timeout_s=open_timeout_s, read_timeout_s=read_timeout_s)
        self._backoff_start = backoff_start_s
        self._backoff_max = backoff_max_s
        self._backoff = backoff_start_s
        self._retry_at = 0.0
        self.reconnects = 0  # connections made after the first
        self.last_error = ""

    def open(self) -> SourceInfo:
        try:
            return super().open()
        except SourceUnavailable as exc:
            message = str(exc)
            if message.endswith("sends no picture."):  # the open's time limit passed first
                message = (f"{self.url.redacted()}: cannot reach the camera (no answer in "
                           "time): is it on, and on this network? Retrying.")
            self.last_error = message
            raise SourceUnavailable(message) from None

    def read(self, timeout: float):
        if self._reader is None:
            # Lost: wait out the back-off (interruptibly) before reconnecting.
            left = self._retry_at - time.monotonic()
            if left > 0:
                self._waker.wait(min(left, timeout))
                return None
            self.reconnects += 1
        try:
            frame = super().read(timeout)
        except SourceUnavailable as exc:
            self.last_error = str(exc)
            self._retry_at = time.monotonic() + self._backoff
            self._backoff = min(self._backoff * 2, self._backoff_max)
            raise
        if frame is not None:
            self._backoff = self._backoff_start
        return frame

    def _open_container(self, av, stop):
        if stop.is_set():
            raise SourceUnavailable(f"{self.name}: stopped.")
        try:
            return av.open(self.url.with_credentials(), options=dict(self.device.option_sets[0]),
                           timeout=(self._open_timeout, self._read_timeout))
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise SourceUnavailable(describe_stream_error(self.url, exc)) from None


def open_stream(text: str, name: str | None = None, **kwargs) -> NetworkSource:
    """A NetworkSource for a URL typed by the user."""
    url = StreamUrl.parse(text)
    return NetworkSource(url, name, **kwargs)


def with_credentials(url: StreamUrl, user: str, password: str) -> StreamUrl:
    return replace(url, user=user, password=password)

