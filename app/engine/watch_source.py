"""One camera of `posecloak watch`: the live pipeline (app/engine/live_loop.py,
the same processing and fall alert as the live preview) on a thread of its
own, no window, with a rolling skeleton-only recording and an events log.
Qt-free.

States, each logged as an event: connecting, live (first picture), lost,
back; a network camera that cannot be opened is retried with back-off
(1 s doubling to 30 s), each failure one line. A file source plays once and
ends this camera's watch at its end (for tests). People entering and
leaving are logged from the tracked IDs the pipeline gives each frame.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.engine.alerts import AlertEvent, AlertSender, fall_alert
from app.engine.live import LiveSettings
from app.engine.live_loop import FallAlert, LiveLoop
from app.engine.live_recorder import RecordRequest
from app.engine.messages import describe_error
from app.engine.watch_store import CameraStore, local_time
from app.media.sources import FrameSource, SourceInfo, SourceUnavailable

LEAVE_S = 2.0  # a person unseen this long has left
RETRY_START_S, RETRY_MAX_S = 1.0, 30.0


@dataclass(frozen=True)
class WatchOptions:
    """How each camera is watched."""

    segment_s: float = 600.0  # length of a recording segment
    keypoints: tuple[str, ...] = ("json",)  # beside each segment: json and/or csv
    lost_alert_s: float = 60.0  # a camera lost this long raises an alert (0: never)


class PresenceMonitor:
    """Entered/left from the IDs seen per frame. Thread: one at a time."""

    def __init__(self, leave_s: float = LEAVE_S) -> None:
        self.leave_s = leave_s
        self._last_seen: dict[int, float] = {}

    def update(self, time_s: float, ids) -> list[tuple[str, int]]:
        events = []
        for pid in ids:
            if pid < 0:
                continue
            if pid not in self._last_seen:
                events.append(("entered", pid))
            self._last_seen[pid] = time_s
        for pid, seen in list(self._last_seen.items()):
            if time_s - seen > self.leave_s:
                del self._last_seen[pid]
                events.append(("left", pid))
        return events

    def leave_all(self) -> list[tuple[str, int]]:
        gone = [("left", pid) for pid in self._last_seen]
        self._last_seen.clear()
        return gone


class CameraWatch:
    """Watches one source on its own thread. `start`, `stop`, `poll` and
    the read-only properties from any thread (the supervisor's)."""

    def __init__(self, name: str, make_source: Callable[[], FrameSource], model_path: Path,
                 settings: LiveSettings, store: CameraStore, options: WatchOptions,
                 alerts: AlertSender, say: Callable[[str], None],
                 is_file: bool = False) -> None:
        self.name = name
        self._make_source = make_source
        self._model_path = model_path
        self._settings = settings
        self.store = store
        self.options = options
        self._alerts = alerts
        self._say = say
        self._is_file = is_file
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: LiveLoop | None = None
        self._lock = threading.Lock()
        self._segment_due = 0.0
        self._lost_since: float | None = None
        self._lost_alerted = False
        self._presence = PresenceMonitor()
        self.frames = 0
        self.falls = 0
        self.segments_written = 0
        self.last_latency_s = 0.0
        self.error: str | None = None
        self.state = "idle"
        self._session_started = time.monotonic()

    # supervisor thread --------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"watch-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            loop = self._loop
        if loop is not None:
            loop.request_stop()

    def join(self, timeout: float | None = None) -> bool:
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def poll(self, now: float | None = None) -> None:
        """Called about once a second: rotates the segment when due, and
        raises the camera-lost alert once a loss lasts `lost_alert_s`."""
        now = time.monotonic() if now is None else now
        with self._lock:
            loop, due, lost_since = self._loop, self._segment_due, self._lost_since
        # While the camera is lost its segment stays open (no empty segments).
        if loop is not None and due and now >= due and lost_since is None:
            self._next_segment(loop)
        limit = self.options.lost_alert_s
        if limit and lost_since is not None and not self._lost_alerted and now - lost_since >= limit:
            self._lost_alerted = True
            detail = f"no picture for {now - lost_since:.0f} s"
            self.store.log("camera_lost_alert", detail=detail)
            self._alerts.send(AlertEvent("camera_lost", local_time(), self.name, detail=detail))

    # worker thread ---------------------------------------------------------------------
    def _run(self) -> None:
        retry = RETRY_START_S
        try:
            said = ""
            while not self._stop.is_set():
                if self.state != "lost":
                    self._set_state("connecting")
                source = self._make_source()
                loop = LiveLoop(source, self._model_path, self._settings, _Listener(self))
                with self._lock:
                    self._loop = loop
                if self._stop.is_set():
                    break
                try:
                    loop.run()
                except SourceUnavailable as exc:  # could not open: retry later
                    message = str(exc)
                    self._lost(message)
                    if message != said:  # one line per kind of failure, not per retry
                        said = message
                        self._say(f"{self.name}: {message}")
                    self._stop.wait(retry)
                    retry = min(retry * 2, RETRY_MAX_S)
                    continue
                finally:
                    with self._lock:
                        self._loop = None
                        self._segment_due = 0.0
                    self._flush_presence()
                if self._is_file or self._stop.is_set():
                    break
                retry, said = RETRY_START_S, ""  # ended after frames: reconnect at once
        except Exception as exc:  # noqa: BLE001 - one camera's failure is reported, the others go on
            self.error = describe_error(exc)
            self.store.log("error", detail=self.error)
            self._say(f"{self.name}: {self.error}")
        finally:
            self._set_state("stopped")

    def _set_state(self, state: str, detail: str = "") -> None:
        if state == self.state:
            return
        self.state = state
        if state in ("connecting", "live", "lost", "back", "stopped"):
            self.store.log(state, detail=detail)

    def _lost(self, message: str) -> None:
        with self._lock:
            if self._lost_since is None:
                self._lost_since = time.monotonic()
        if self.state != "lost":
            self._set_state("lost", message)

    def _back(self) -> None:
        with self._lock:
            was_lost, self._lost_since = self._lost_since is not None, None
        self._lost_alerted = False
        self._set_state("back" if was_lost else "live")

    def _next_segment(self, loop: LiveLoop) -> None:
        video = self.store.segment_path()
        keypoints = tuple(video.with_suffix("." + k) for k in self.options.keypoints)
        with self._lock:
            self._segment_due = time.monotonic() + self.options.segment_s
        loop.start_recording(RecordRequest(video, keypoints, recoverable=True))

    def _frame(self, loop: LiveLoop) -> None:
        latest = loop.take_latest()
        if latest is None or latest.result is None or self.state == "lost":
            return  # (a frame drawn after the loss was reported belongs to before it)
        self.frames += 1
        result = latest.result
        # From the start of the frame's inference to its recording: the
        # source keeps only its newest picture, so there is no queue before.
        self.last_latency_s = max(0.0, self._session_s() - result.session_s)
        for kind, pid in self._presence.update(result.session_s, result.pose.ids):
            self.store.log(kind, person_id=pid)

    def _flush_presence(self) -> None:
        for kind, pid in self._presence.leave_all():
            self.store.log(kind, person_id=pid, detail="camera stopped")

    def _fall(self, alert: FallAlert) -> None:
        event = alert.event
        self.falls += 1
        now = time.time()
        # The fall happened HOLD_S before it was confirmed (now).
        lag = max(0.0, self._session_s() - event.time_s)
        when = local_time(now - lag)
        self.store.log("fall", person_id=event.person_id, confidence=event.confidence,
                       epoch=now - lag)
        self._say(f"{self.name}: fall detected, person #{event.person_id} at {when} "
                  f"(confidence {event.confidence:.2f})")
        self._alerts.send(fall_alert(self.name, event.person_id, event.confidence, now - lag))

    def _session_s(self) -> float:
        # The processor's session clock starts right after `opened`.
        return time.monotonic() - self._session_started


class _Listener:
    """The live loop's listener for a watched camera. Called on the loop's
    thread (state, falls) and its drawing thread (frames, recordings)."""

    def __init__(self, watch: CameraWatch) -> None:
        self.watch = watch

    def opened(self, info: SourceInfo) -> None:
        w = self.watch
        w._session_started = time.monotonic()
        with w._lock:
            loop = w._loop
        if loop is not None:
            w._next_segment(loop)
        w._back()
        w._say(f"{w.name}: live ({info.width}x{info.height})")

    def frame_ready(self) -> None:
        with self.watch._lock:
            loop = self.watch._loop
        if loop is not None:
            self.watch._frame(loop)

    def source_lost(self, message: str) -> None:
        self.watch._lost(message)
        self.watch._say(message)
        for kind, pid in self.watch._presence.leave_all():
            self.watch.store.log(kind, person_id=pid, detail="camera lost")

    def source_back(self) -> None:
        self.watch._back()
        self.watch._say(f"{self.watch.name}: back")

    def fall_detected(self, alert: FallAlert) -> None:
        self.watch._fall(alert)

    def device_noted(self, note: str) -> None:
        if note:
            self.watch._say(f"{self.watch.name}: {note}")

    def recording_started(self, path: str) -> None:
        pass

    def recording_stopped(self, path: str) -> None:
        w = self.watch
        w.segments_written += 1
        w.store.log("segment", detail=Path(path).name)
        for gone in w.store.prune():
            if gone.suffix == ".mp4":
                w.store.log("segment_deleted", detail=gone.name)

    def recording_failed(self, message: str) -> None:
        self.watch.store.log("recording_failed", detail=message)
        self.watch._say(f"{self.watch.name}: recording failed: {message}")
