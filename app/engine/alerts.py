"""Alerts that reach someone: a fall (or a camera lost for too long) runs a
command the user gave and/or POSTs the event as JSON to a URL the user gave.
Used by `posecloak watch` and by the live preview's fall alert alike.

Only the event leaves: kind, time, camera name, person ID, confidence and a
short detail. Never a picture, never a skeleton. The command gets the event
as JSON on stdin and as POSECLOAK_EVENT_* environment variables (on top of
the user's own environment, as they started us: app/base/netguard.py); the
URL gets it as the body of a POST (application/json), through the user's
proxy settings (`netguard.user_opener`), which is the one network use besides
the model download, opt-in and to the user's own address.

Sending happens on a thread of its own, in order, so a slow command or an
unreachable URL never stalls the live pipeline; a failure is one line to
`on_error` and the next alert is tried as usual.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.base.errors import PoseCloakError

COMMAND_TIMEOUT_S = 30.0
POST_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class AlertSettings:
    """Where alerts go: a shell command and/or an http(s) URL (both optional)."""

    command: str = ""  # run with the event as JSON on stdin and POSECLOAK_EVENT_* variables
    url: str = ""  # POSTed the event as JSON

    def __post_init__(self) -> None:
        if self.url:
            parts = urlsplit(self.url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise PoseCloakError(f"alert URL {self.url!r}: must be an http:// or https:// "
                                     "address.")

    @property
    def enabled(self) -> bool:
        return bool(self.command or self.url)


@dataclass(frozen=True)
class AlertEvent:
    """What an alert says; nothing else is sent."""

    kind: str  # "fall" or "camera_lost"
    time: str  # local time, ISO 8601 with offset
    camera: str  # the camera's name (a redacted URL at most, never a password)
    person_id: int | None = None
    confidence: float | None = None
    detail: str = ""

    def to_json(self) -> dict:
        return {"kind": self.kind, "time": self.time, "camera": self.camera,
                "person_id": self.person_id,
                "confidence": None if self.confidence is None else round(self.confidence, 2),
                "detail": self.detail}

    def environment(self) -> dict[str, str]:
        return {f"POSECLOAK_EVENT_{k.upper()}": "" if v is None else str(v)
                for k, v in self.to_json().items()}


def fall_alert(camera: str, person_id: int, confidence: float, fall_epoch: float) -> AlertEvent:
    """The alert of a confirmed fall, timed when it happened (the live
    preview and `watch` send the same)."""
    from app.engine.watch_store import local_time
    return AlertEvent("fall", local_time(fall_epoch), camera, person_id, confidence)


def clock_epoch(clock: str, now: float | None = None) -> float:
    """The epoch of a local HH:MM:SS within the last day (a live alert's clock)."""
    import time
    now = time.time() if now is None else now
    t = time.localtime(now)
    h, m, s = (int(x) for x in clock.split(":"))
    epoch = time.mktime((t.tm_year, t.tm_mon, t.tm_mday, h, m, s, 0, 0, -1))
    return epoch - 86400 if epoch > now + 1 else epoch


class AlertSender:
    """Sends alerts on its own thread. `send` and `close` from any thread."""

    def __init__(self, settings: AlertSettings,
                 on_error: Callable[[str], None] = lambda message: None,
                 on_sent: Callable[[AlertEvent], None] = lambda event: None) -> None:
        self.settings = settings
        self._on_error = on_error
        self._on_sent = on_sent
        self._queue: queue.Queue[AlertEvent | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def send(self, event: AlertEvent) -> None:
        if not self.settings.enabled:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="posecloak-alerts",
                                                daemon=True)
                self._thread.start()
        self._queue.put(event)

    def close(self, timeout: float = COMMAND_TIMEOUT_S + POST_TIMEOUT_S) -> None:
        """Sends what is queued (up to `timeout`), then ends the thread."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)

    def _run(self) -> None:
        while (event := self._queue.get()) is not None:
            ok = True
            if self.settings.command:
                ok &= self._run_command(event)
            if self.settings.url:
                ok &= self._post(event)
            if ok:
                self._on_sent(event)

    def _run_command(self, event: AlertEvent) -> bool:
        from app.base.netguard import original_environ
        body = json.dumps(event.to_json())
        try:
            res = subprocess.run(self.settings.command, shell=True, input=body, text=True,
                                 env={**original_environ(), **event.environment()},
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 timeout=COMMAND_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._on_error(f"alert command did not finish within {COMMAND_TIMEOUT_S:.0f} s.")
            return False
        except OSError as exc:
            self._on_error(f"alert command cannot run ({exc.strerror or exc}).")
            return False
        if res.returncode != 0:
            tail = (res.stderr or "").strip().splitlines()[-1:] or [""]
            self._on_error(f"alert command failed (exit {res.returncode}) {tail[0]}".rstrip())
            return False
        return True

    def _post(self, event: AlertEvent) -> bool:
        import urllib.error
        import urllib.request

        from app.base.netguard import user_opener
        request = urllib.request.Request(
            self.settings.url, data=json.dumps(event.to_json()).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/json", "User-Agent": "PoseCloak"})
        try:
            with user_opener().open(request, timeout=POST_TIMEOUT_S) as response:
                response.read(1024)
        except urllib.error.HTTPError as exc:
            self._on_error(f"alert URL answered {exc.code} {exc.reason}.")
            return False
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            self._on_error(f"alert URL cannot be reached ({reason}).")
            return False
        return True
