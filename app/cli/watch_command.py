"""`posecloak watch SOURCE... --out-dir DIR`: the headless monitor
(app/engine/watch.py) from the command line. Ctrl+C and SIGTERM finish each
camera's current segment and exit 0; errors are one line and exit 1.

rtsps:// and https:// cameras: FFmpeg checks their certificate; a
self-signed one is trusted with --camera-cert FILE (or any: not checked),
see app/media/network.py.

A password is never needed on the command line (where other users of the
machine can read it): an address with a user and no password asks for it on
the terminal, or takes POSECLOAK_CAMERA_PASSWORD (for a service).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from dataclasses import replace

from app.base.errors import PoseCloakError


def _with_password(src):
    """Asks for (or takes from the environment) the password of a URL that
    names a user but no password."""
    url = src.url
    if url is None or not url.user or url.password:
        return src
    password = os.environ.get("POSECLOAK_CAMERA_PASSWORD", "")
    if not password:
        if not sys.stdin.isatty():
            raise PoseCloakError(f"{url}: no password; give it in the address, set "
                                 "POSECLOAK_CAMERA_PASSWORD, or run on a terminal to be asked.")
        import getpass
        password = getpass.getpass(f"Password for {url}: ")
    return replace(src, url=replace(url, password=password))


def cmd_watch(args: argparse.Namespace, model_path_of) -> int:
    from app.cli.arguments import settings_from_args
    from app.engine.alerts import AlertSettings
    from app.engine.live import LiveSettings
    from app.engine.watch import Watch, parse_source
    from app.engine.watch_source import WatchOptions
    from app.engine.watch_store import Retention
    from app.media.network import check_tls_trust
    trust = check_tls_trust(args.camera_cert)
    sources = [_with_password(parse_source(text, n)) for n, text in enumerate(args.sources)]
    sources = [replace(s, url=replace(s.url, tls_trust=trust)) if s.url else s for s in sources]
    keypoints = {"json": ("json",), "csv": ("csv",), "both": ("json", "csv"),
                 "none": ()}[args.watch_keypoints]
    formats = {"jsonl": ("jsonl",), "csv": ("csv",), "both": ("jsonl", "csv")}[args.events]
    options = WatchOptions(segment_s=args.segment_minutes * 60, keypoints=keypoints,
                           lost_alert_s=args.lost_alert_seconds)
    retention = Retention(max_bytes=int(args.keep_gb * 1e9), max_age_s=args.keep_hours * 3600)
    alerts = AlertSettings(command=args.on_alert, url=args.alert_url)
    settings = LiveSettings(skeleton=settings_from_args(args))
    model = model_path_of(args)
    lock = threading.Lock()

    def say(message: str) -> None:
        alert = "fall detected" in message or message.startswith("alert:")
        if args.quiet and not alert:
            return
        with lock:
            print(f"posecloak watch: {message}", file=sys.stderr, flush=True)

    watch = Watch(sources, args.out_dir, model, settings, options, retention, formats, alerts,
                  say)
    stopping = []

    def on_signal(signum, frame) -> None:  # noqa: ARG001 - signal handler signature
        if not stopping:
            stopping.append(signum)
            say("stopping: finishing the current segments...")
        watch.stop()

    old = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for src in sources:
            say(f"watching {src.url or src.path} as {src.name} -> "
                f"{args.out_dir / src.name}")
        watch.run(args.stop_after)
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
    failed = [c for c in watch.cameras if c.error]
    return 1 if failed and len(failed) == len(watch.cameras) else 0
