"""The app while it works: GUI event-loop lag, camera -> screen latency,
and cold start to a shown window.

    uv run python -m bench.gui_lag [--seconds 20] [--person-detector on off]

In one run:
- cold start: a fresh `python` process that imports the app, creates the
  main window and shows it; the time from launching the process to the
  window's first paint (offscreen platform);
- with the live preview of a paced 30 fps source (a person, carphone) and,
  at the same time, an export of vtest.avi running in the queue: a QTimer
  probe every 10 ms (from the window's show: start-up, until the model
  is ready and the Plots and Analysis panels are built, is printed apart)
  records how late each tick fires (the GUI thread
  blocked for that long) and how much CPU the GUI thread itself used in
  that time (on a loaded machine a late tick can also be the OS running
  other threads), the rate of frames shown against the landmarker's
  rate, and each shown frame's latency from its capture (the time the
  source made it due, as a camera would deliver it) to the moment the
  preview got it, against one inference time plus one frame interval.
The live preview part runs once per `--person-detector` value, in that
order (the app's setting; "on off" compares both in one run).
Figures are printed as ratios to their targets; no test times anything.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("POSECLOAK_MODEL", str(SHARED / "models" / "pose_landmarker_full.task"))

_COLD_START = r"""
import sys, time
from pathlib import Path
from PySide6.QtCore import QObject, QEvent
from PySide6.QtWidgets import QApplication
from app.gui.shell.settings_store import SettingsStore
app = QApplication(sys.argv[:1])
from app.gui.shell.main_window import MainWindow
window = MainWindow(SettingsStore(Path(sys.argv[1]) / "s.ini"))
class Painted(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print("shown", time.time(), time.process_time(), flush=True)
            app.quit()
        return False
painted = Painted()
window.installEventFilter(painted)
window.show()
app.exec()
"""


def cold_start_s() -> tuple[float, float]:
    """Seconds from launching the process to the window's first paint, and
    the CPU seconds the process had used by then (the part a busy machine
    does not inflate)."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.time()
        out = subprocess.run([sys.executable, "-c", _COLD_START, tmp], capture_output=True,
                             text=True, cwd=ROOT, timeout=120,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    shown = [line for line in out.stdout.splitlines() if line.startswith("shown")]
    if not shown:
        raise SystemExit(f"the window did not show: {out.stderr[-2000:]}")
    _, at, cpu = shown[0].split()
    return float(at) - t0, float(cpu)


def _source_class():
    from app.base.types import Frame
    from app.media.sources import PacedSource, SourceInfo

    class TimedSource(PacedSource):
        """A camera stand-in at `fps` that notes when each frame was due."""

        def __init__(self, images: list[np.ndarray], fps: float, seconds: float) -> None:
            super().__init__("Timed camera", loop=False)
            self.images, self.fps, self.count = images, fps, int(seconds * fps)
            self.due: dict[float, float] = {}

        def _open(self) -> SourceInfo:
            h, w = self.images[0].shape[:2]
            return SourceInfo(self.name, w, h, self.fps)

        def _iterate(self, start_s: float) -> Iterator[Frame]:
            for i in range(int(start_s * self.fps), self.count):
                yield Frame(i, i / self.fps, self.images[i % len(self.images)])

        def _check_available(self, frame: Frame) -> None:
            self.due[frame.time_s] = self._origin + frame.time_s

    return TimedSource


def live_with_export(seconds: float, person_detector: bool = True) -> dict:
    from dataclasses import replace

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.gui.shell.main_window import MainWindow
    from app.gui.shell.settings_store import SettingsStore
    from app.media.video import VideoReader
    app = QApplication.instance() or QApplication(sys.argv[:1])
    images = [f.image for f, _ in zip(VideoReader(SHARED / "media" / "carphone_pristine.mp4")
                                      .frames(), range(60))]
    with tempfile.TemporaryDirectory() as tmp:
        window = MainWindow(SettingsStore(Path(tmp) / "s.ini"))
        settings = window.settings
        window.set_settings(settings.edited(output_dir=tmp, detection=replace(
            settings.detection, person_detector=person_detector)))
        lags: list[float] = []  # how late each tick came (wall time)
        busy: list[float] = []  # the GUI thread's own CPU time in that gap
        last = [time.monotonic(), time.thread_time()]

        def tick() -> None:
            now, cpu = time.monotonic(), time.thread_time()
            lags.append(now - last[0] - 0.010)
            busy.append(cpu - last[1])
            last[:] = [now, cpu]
        probe = QTimer()
        probe.setInterval(10)
        probe.timeout.connect(tick)
        shown_at = time.monotonic()
        window.show()
        probe.start()
        deadline = time.monotonic() + 120
        # Start-up: until the model is ready and the panels built after it.
        while not (window.model_path is not None and window.bottom.panels_built) \
                and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.001)
        startup = {"startup_s": time.monotonic() - shown_at,
                   "startup_max_lag_ms": max(lags, default=0.0) * 1000,
                   "startup_max_busy_ms": max(busy, default=0.0) * 1000}
        lags.clear()
        busy.clear()
        source = _source_class()(images, 30.0, seconds)
        shown: list[tuple[float, float, float]] = []  # latency s, inference ms, inference fps

        def on_shown(frame) -> None:
            due = source.due.get(frame.position_s)
            if due is not None:
                shown.append((time.monotonic() - due, frame.result.timings.inference_ms,
                              frame.inference_fps))
        window.live.frame_shown.connect(on_shown)
        window.add_files([SHARED / "media" / "vtest.avi"])
        window.live.start(source)
        end = time.monotonic() + seconds + 5
        while window.live.running and time.monotonic() < end:
            app.processEvents()
            time.sleep(0.001)
        probe.stop()
        export_busy = window.exports.busy
        window.live.stop()
        window.close()
        while not (window.exports.finished and not window.live.running):
            app.processEvents()
            time.sleep(0.01)
    steady = shown[len(shown) // 5:]  # after the model's first frames
    lat = np.array([s[0] for s in steady])
    infer_ms = float(np.median([s[1] for s in steady]))
    infer_fps = float(np.median([s[2] for s in steady if s[2] > 0]))
    shown_fps = len(steady) / max(1e-9, seconds * 0.8)
    return {"max_lag_ms": max(lags) * 1000, "max_busy_ms": max(busy) * 1000,
            "p99_lag_ms": float(np.percentile(lags, 99)) * 1000,
            "frames": len(shown), "shown_fps": shown_fps, "inference_fps": infer_fps,
            "inference_ms": infer_ms, "latency_median_ms": float(np.median(lat)) * 1000,
            "latency_p90_ms": float(np.percentile(lat, 90)) * 1000,
            "export_still_running": export_busy, **startup}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--person-detector", nargs="+", choices=["on", "off"], default=["on"])
    args = parser.parse_args()
    start, cpu = cold_start_s()
    print(f"cold start to a shown window: {start:.2f} s = {start / 3.0:.2f} of the 3 s target "
          f"({cpu:.2f} CPU seconds)")
    for which in args.person_detector:
        print(f"person detector {which}:")
        report(live_with_export(args.seconds, which == "on"))
    return 0


def report(r: dict) -> None:
    print(f"start-up after the window shows (the model ready, the Plots and Analysis panels "
          f"built): {r['startup_s']:.2f} s; GUI thread's longest block "
          f"{r['startup_max_lag_ms']:.0f} ms, the most CPU it used between two ticks "
          f"{r['startup_max_busy_ms']:.0f} ms")
    bound = r["inference_ms"] + 1000 / 30.0
    print(f"live preview (30 fps source) with an export running "
          f"(export still running at the end: {r['export_still_running']}):")
    print(f"  GUI thread: longest block {r['max_lag_ms']:.0f} ms "
          f"= {r['max_lag_ms'] / 50:.2f} of the 50 ms target (99th percentile "
          f"{r['p99_lag_ms']:.0f} ms); the most CPU the GUI thread itself used between two "
          f"ticks: {r['max_busy_ms']:.0f} ms = {r['max_busy_ms'] / 50:.2f} of 50 ms (the rest of a "
          f"late tick is the OS running other threads on a busy machine)")
    print(f"  frames shown {r['shown_fps']:.1f} fps against the landmarker's "
          f"{r['inference_fps']:.1f} fps = {r['shown_fps'] / r['inference_fps']:.2f}")
    print(f"  capture -> screen latency median {r['latency_median_ms']:.0f} ms, 90th percentile "
          f"{r['latency_p90_ms']:.0f} ms; bound (one inference {r['inference_ms']:.0f} ms + one "
          f"frame interval 33 ms) {bound:.0f} ms: median/bound "
          f"{r['latency_median_ms'] / bound:.2f}")


if __name__ == "__main__":
    sys.exit(main())
