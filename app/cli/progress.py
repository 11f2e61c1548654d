"""Text progress bars for the CLI (stderr; live only on a terminal)."""

from __future__ import annotations

import shutil
from typing import TextIO

from app.base.text import format_duration


class ProgressBar:
    """`label  42% |#####     | 120/795  29.1 fps  ETA 0:23`, redrawn in place."""

    def __init__(self, label: str, stream: TextIO, enabled: bool = True) -> None:
        self.label = label
        self.stream = stream
        self.live = enabled and getattr(stream, "isatty", lambda: False)()
        self._drawn = False

    def update(self, progress) -> None:
        if not self.live:
            return
        width = shutil.get_terminal_size((80, 20)).columns
        pct = progress.fraction
        stats = (f" {progress.frames_done}/{progress.frames_total or '?'}"
                 f"  {progress.fps:5.1f} fps  ETA {format_duration(progress.eta_s)}")
        label = self.label if len(self.label) <= 28 else self.label[:25] + "..."
        bar_w = max(10, width - len(label) - len(stats) - 10)
        filled = int(bar_w * pct)
        line = f"{label} {pct * 100:3.0f}% |{'#' * filled}{' ' * (bar_w - filled)}|{stats}"
        self.stream.write("\r" + line[: width - 1])
        self.stream.flush()
        self._drawn = True

    def finish(self, result) -> None:
        if self._drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()


class DownloadBar:
    """Progress of the one-time model download."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._started = False

    def __call__(self, done: int, total: int) -> None:
        if not self._started:
            self.stream.write("Downloading the pose model (once)...\n")
            self._started = True
        if getattr(self.stream, "isatty", lambda: False)():
            mb = done / 1e6
            text = f"{mb:6.1f} MB" + (f" / {total / 1e6:.1f} MB" if total else "")
            self.stream.write("\r  " + text)
            if total and done >= total:
                self.stream.write("\n")
            self.stream.flush()


def print_converted(job, result) -> None:
    """The lines for one converted file (stdout), as a local run and a
    cluster run print them: output, frames, fps and notes, then the
    keypoint files and the report."""
    notes = "".join(f", {n}" for n in result.notes())
    print(f"{job.source.name} -> {result.output} ({result.frames} frames, "
          f"{result.fps:.1f} fps{notes})")
    for k in result.keypoints:
        print(f"  keypoints -> {k}")
    if job.report is not None:
        print(f"  report -> {job.report.html}")
