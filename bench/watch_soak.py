"""Soak test of `posecloak watch`: looped camera streams for a long run,
printing over time the watch's memory (RSS), threads, open files, segments
on disk, frames processed and latency; then a kill -9 and a restart, which
must leave nothing half-written: the cut segment repaired (or removed when
it held no complete fragment).

    uv run python -m bench.watch_soak                  # 5 minutes, 2 cameras
    uv run python -m bench.watch_soak --minutes 60     # an hour
    nohup uv run python -m bench.watch_soak --minutes 1440 > soak.txt &   # a day

The cameras are MJPEG-over-HTTP servers on loopback looping a shared clip
(carphone, 176x144 at 15 fps; another clip with --clip), run in a child
process so this process's figures are the watch's own. The watch runs in
this process (app/engine/watch.py, as `posecloak watch` runs it) with short
segments (--segment-minutes, default 0.5) and a size limit (--keep-mb,
default 2 per camera), so rotation and deletion happen many times.
Target: RSS growth under 20 MiB after the warm-up (the first sample after
--warmup-minutes), threads and open files flat, latency without a backlog.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
os.environ.setdefault("POSECLOAK_MODEL", str(SHARED / "models" / "pose_landmarker_full.task"))


def _serve(clip: Path, cameras: int, fps: float) -> int:
    """Child process: MJPEG servers; prints their URLs, runs until killed."""
    from tests.helpers.stream_servers import MjpegServer
    servers = [MjpegServer(clip, fps=fps).__enter__() for _ in range(cameras)]
    for server in servers:
        print(server.url(), flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    return 0


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def _kill9_check(url: str, out: Path) -> str:
    """A CLI watch killed with SIGKILL mid-segment, then restarted and
    stopped: what was left half-written after each, and what the restart
    repaired or removed."""
    import json
    args = [sys.executable, "-m", "app", "watch", f"k9={url}", "--out-dir", str(out),
            "--segment-minutes", "0.2"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    folder = out / "k9"
    proc = subprocess.Popen(args, env=env, cwd=str(ROOT), stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    # Killed once the segment has a fragment on disk (on a busy machine the
    # encoder's first packets come seconds after its first frames).
    while time.monotonic() < deadline and not any(
            p.stat().st_size for p in folder.glob(".*posecloak-partial*.mp4")):
        time.sleep(0.5)
    time.sleep(2)
    proc.kill()
    proc.wait()
    left = sorted(p.name for p in folder.glob(".*posecloak-partial*"))
    proc = subprocess.Popen([*args, "--stop-after", "15"], env=env, cwd=str(ROOT),
                            stderr=subprocess.PIPE, text=True)
    _, err = proc.communicate(timeout=180)
    after = sorted(p.name for p in folder.glob(".*posecloak-partial*"))
    lines = (folder / "events.jsonl").read_text().splitlines()
    bad = 0
    repaired = []
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            bad += 1
            continue
        if event["kind"] == "segment_repaired":
            repaired.append(event["detail"])
    removed = [line for line in err.splitlines() if "killed" in line and ": removed " in line]
    return (f"kill -9 left {len(left)} temp file(s); the restart repaired {len(repaired)} "
            f"segment(s) ({'; '.join(repaired) or '-'}) and removed {len(removed)} temp "
            f"file(s); after it: {len(after)} temp file(s), "
            f"{len(list(folder.glob('k9_*.mp4')))} finished segment(s), {bad} unreadable "
            f"event line(s) of {len(lines)}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--minutes", type=float, default=5.0)
    p.add_argument("--cameras", type=int, default=2)
    p.add_argument("--clip", type=Path, default=SHARED / "media" / "carphone_pristine.mp4")
    p.add_argument("--fps", type=float, default=15.0)
    p.add_argument("--segment-minutes", type=float, default=0.5)
    p.add_argument("--keep-mb", type=float, default=2.0)
    p.add_argument("--every", type=float, default=30.0, help="seconds between samples")
    p.add_argument("--warmup-minutes", type=float, default=1.0)
    p.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.serve:
        return _serve(args.clip, args.cameras, args.fps)

    from app.engine.live import LiveSettings
    from app.engine.watch import Watch, WatchSource
    from app.engine.watch_source import WatchOptions
    from app.engine.watch_store import Retention
    from app.media.network import StreamUrl
    from app.pose.estimator import silence_native_logs
    silence_native_logs()

    server = subprocess.Popen([sys.executable, "-m", "bench.watch_soak", "--serve",
                               "--cameras", str(args.cameras), "--clip", str(args.clip),
                               "--fps", str(args.fps)], cwd=str(ROOT), stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    urls = [server.stdout.readline().strip() for _ in range(args.cameras)]
    out = Path(tempfile.mkdtemp(prefix="posecloak-soak-"))
    notes: list[str] = []
    watch = Watch([WatchSource(f"cam{n}", url=StreamUrl.parse(u)) for n, u in enumerate(urls)],
                  out, Path(os.environ["POSECLOAK_MODEL"]), LiveSettings(),
                  WatchOptions(segment_s=args.segment_minutes * 60),
                  Retention(max_bytes=int(args.keep_mb * 1e6)), say=notes.append)
    runner = threading.Thread(target=watch.run, args=(args.minutes * 60,), name="soak-watch")
    print(f"watch soak: {args.cameras} MJPEG cameras on loopback ({args.clip.name} looped at "
          f"{args.fps:g} fps), {args.minutes:g} min, segments of {args.segment_minutes:g} min, "
          f"keep {args.keep_mb:g} MB per camera; output in {out}")
    print(f"{'min':>6} {'RSS MiB':>8} {'threads':>7} {'files':>5} {'segments':>8} "
          f"{'on disk':>8} {'written':>7} {'deleted':>7} {'fps':>5} {'latency ms':>10}")
    started = time.monotonic()
    runner.start()
    frames0, t0 = 0, started
    samples = []
    while runner.is_alive():
        runner.join(args.every)
        now = time.monotonic()
        # At the end the watch is stopping: its figures then are not the
        # running watch's (an hour's run printed RSS -166 MiB, 4 threads).
        if not runner.is_alive() or now - started >= args.minutes * 60 - 1:
            break
        frames = sum(c.frames for c in watch.cameras)
        fps = (frames - frames0) / max(1e-6, now - t0)
        frames0, t0 = frames, now
        segments = sum(len(c.store.segments()) for c in watch.cameras)
        deleted = sum(sum(1 for line in c.store.log_path("jsonl").read_text().splitlines()
                          if '"segment_deleted"' in line) for c in watch.cameras)
        written = sum(c.segments_written for c in watch.cameras)
        disk = sum(c.store.used_bytes() for c in watch.cameras) / 1e6
        latency = max(c.last_latency_s for c in watch.cameras) * 1000
        minute = (now - started) / 60
        rss = _rss_mib()
        samples.append((minute, rss))
        print(f"{minute:6.1f} {rss:8.1f} {threading.active_count():7d} {_open_files():5d} "
              f"{segments:8d} {disk:7.1f}M {written:7d} {deleted:7d} {fps:5.1f} "
              f"{latency:10.0f}", flush=True)
    warm = [r for m, r in samples if m >= args.warmup_minutes]
    if len(warm) >= 2:
        print(f"RSS after warm-up: {warm[0]:.1f} -> {warm[-1]:.1f} MiB (growth "
              f"{warm[-1] - warm[0]:+.1f} MiB, peak {max(warm):.1f}); target under 20 MiB")
    leftovers = [p for c in watch.cameras for p in c.store.folder.glob(".*posecloak-partial*")]
    print(f"after a clean stop: {len(leftovers)} temp file(s) left")
    for line in notes:
        if "lost" in line or "failed" in line or "error" in line.lower():
            print(f"  note: {line}")
    print(_kill9_check(urls[0], out))
    server.terminate()
    server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
