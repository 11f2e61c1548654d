"""`posecloak watch`: a headless monitor for one or more cameras (or files,
for testing), one process, each source on its own worker
(app/engine/watch_source.py) running the live pipeline. Qt-free.

The supervisor (the caller's thread) polls the workers about once a second:
segment rotation and the camera-lost alert. `stop()` (Ctrl+C, SIGTERM) asks
every worker to finish its current segment cleanly and waits for them; the
watch also ends when every source has ended (files). A restart in the same
folder carries on: new segments beside the old ones, events appended.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from app.base.errors import PoseCloakError
from app.engine.alerts import AlertSender, AlertSettings
from app.engine.live import LiveSettings
from app.engine.watch_source import CameraWatch, WatchOptions
from app.engine.watch_store import CameraStore, Retention, camera_folder_name
from app.media.network import StreamUrl, is_stream_url
from app.media.sources import FrameSource

POLL_S = 0.5


@dataclass(frozen=True)
class WatchSource:
    """A source to watch: a stream URL (credentials inside, never shown) or a file."""

    name: str
    url: StreamUrl | None = None
    path: Path | None = None

    def __repr__(self) -> str:
        return f"WatchSource({self.name!r}, {self.url!r}, {self.path!r})"


def parse_source(text: str, index: int = 0) -> WatchSource:
    """`[NAME=]URL` or `[NAME=]FILE`. Without a name, a URL is named after its
    host and path, a file after its stem."""
    name = ""
    head, eq, rest = text.partition("=")
    if eq and "://" not in head and "/" not in head and head.strip():
        name, text = head.strip(), rest
    if is_stream_url(text):
        url = StreamUrl.parse(text)
        if not name:
            path = url.url.split("://", 1)[1].split("?", 1)[0]
            name = camera_folder_name(path.replace("/", "-").replace(":", "-"))
        return WatchSource(camera_folder_name(name), url=url)
    file = Path(text).expanduser()
    if not file.is_file():
        raise PoseCloakError(f"{text}: neither a stream address (rtsp://, http://...) nor a "
                             "video file.")
    return WatchSource(camera_folder_name(name or file.stem), path=file)


def unique_names(sources: list[WatchSource]) -> list[WatchSource]:
    """Gives sources that share a name a number, so each has its own folder."""
    seen: dict[str, int] = {}
    out = []
    for src in sources:
        n = seen.get(src.name, 0)
        seen[src.name] = n + 1
        out.append(src if not n else WatchSource(f"{src.name}-{n + 1}", src.url, src.path))
    return out


class Watch:
    """The whole watch. `run` on the caller's thread; `stop` from any thread
    (a signal handler included)."""

    def __init__(self, sources: list[WatchSource], out_dir: Path, model_path: Path,
                 settings: LiveSettings, options: WatchOptions = WatchOptions(),
                 retention: Retention = Retention(), log_formats: tuple[str, ...] = ("jsonl",),
                 alerts: AlertSettings = AlertSettings(),
                 say: Callable[[str], None] = print,
                 source_factory: Callable[[WatchSource], FrameSource] | None = None) -> None:
        if not sources:
            raise PoseCloakError("no source to watch.")
        try:
            Path(out_dir).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PoseCloakError(f"{out_dir}: cannot create the output folder "
                                 f"({exc.strerror}).") from None
        self._say = say
        self._stop = threading.Event()
        self.alerts = AlertSender(alerts, on_error=lambda m: say(f"alert: {m}"))
        self.cameras: list[CameraWatch] = []
        make = source_factory or open_source
        for src in unique_names(sources):
            store = CameraStore(out_dir, src.name, log_formats, retention)
            for note in store.repaired:
                say(f"{src.name}: {note} (left by a run that was killed)")
            self.cameras.append(CameraWatch(
                src.name, partial(make, src), model_path, settings, store, options,
                self.alerts, say, is_file=src.path is not None))

    def stop(self) -> None:
        self._stop.set()

    def run(self, duration_s: float = 0.0) -> None:
        """Watches until `stop`, every source has ended, or `duration_s`
        (0: no limit); then finishes every camera's segment and sends queued
        alerts."""
        import time
        end = time.monotonic() + duration_s if duration_s else float("inf")
        for camera in self.cameras:
            camera.start()
        try:
            while not self._stop.is_set() and any(c.running for c in self.cameras) \
                    and time.monotonic() < end:
                for camera in self.cameras:
                    camera.poll()
                self._stop.wait(POLL_S)
        finally:
            for camera in self.cameras:
                camera.stop()
            for camera in self.cameras:
                camera.join()
            self.alerts.close()


def open_source(src: WatchSource) -> FrameSource:
    """The live source for a WatchSource: a network camera, or a file played
    once at its own pace."""
    if src.url is not None:
        from app.media.network import NetworkSource
        return NetworkSource(src.url, src.name)
    from app.media.sources import FileSource
    assert src.path is not None  # a WatchSource is a URL or a file
    return FileSource(src.path, loop=False)
