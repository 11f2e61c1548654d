"""The segment a killed `posecloak watch` was writing, made a finished one at
the next start. Qt-free.

Watch segments are fragmented MP4 (a fragment about every second) and their
keypoint files are flushed every frame, so a kill -9 leaves, under temp
names (app/base/files.py), a video whose complete fragments are readable
and keypoints at least as far along. The video's complete fragments are
remuxed into the segment's proper name (app/media/mp4_salvage.py) and the
keypoints cut to the same frames; nothing else is kept (a segment's events
CSV and its keypoint analysis are written only at its end: a repaired JSON
has `"analysis": null`). A segment with no frame to recover is left to
`clean_stale_partials`, which removes it as before.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.base.files import TEMP_MARK, _pid_alive, replaced_on_success
from app.media.mp4_salvage import salvage

_PARTIAL = re.compile(r"^\.(?P<stem>.+)" + re.escape(TEMP_MARK)
                      + r"-(?P<pid>\d+)-\d+(?P<ext>\.(?:mp4|json|csv))$")


@dataclass(frozen=True)
class Repair:
    video: Path
    frames: int
    duration_s: float
    keypoints: tuple[str, ...]  # what differs in the keypoints, if anything

    def __str__(self) -> str:
        text = f"repaired {self.video.name}: {self.frames} frames, {self.duration_s:.1f} s"
        return "; ".join((text, *self.keypoints))


def repair_segments(folder: Path, is_segment: Callable[[str], object]) -> list[Repair]:
    """Repairs every segment a dead process left in `folder` (`is_segment`
    tells a segment's file name); the temp files it repaired are removed."""
    groups: dict[tuple[str, str], dict[str, Path]] = {}
    for entry in sorted(folder.iterdir()):
        m = _PARTIAL.match(entry.name)
        if m and is_segment(m["stem"] + ".mp4") and not _pid_alive(int(m["pid"])):
            groups.setdefault((m["stem"], m["pid"]), {})[m["ext"]] = entry
    done = []
    for (stem, _), files in groups.items():
        video = folder / f"{stem}.mp4"
        if ".mp4" not in files or video.exists():
            continue
        # (A kill during this repair leaves the cut video, still repairable;
        # one after the rename and before the keypoints loses the keypoints.)
        saved = salvage(files[".mp4"], video)
        if saved is None:
            continue
        notes = []
        for ext in (".json", ".csv"):
            if ext in files:
                kept = _cut_keypoints(files[ext], video.with_suffix(ext), saved.frames)
                if ext == ".json" and kept != saved.frames:
                    notes.append(f"{video.with_suffix(ext).name} holds {kept} of its frames")
        for path in files.values():
            path.unlink(missing_ok=True)
        done.append(Repair(video, saved.frames, saved.duration_s, tuple(notes)))
    return done


def _cut_keypoints(partial: Path, target: Path, frames: int) -> int:
    """Writes `partial`'s whole lines for the first `frames` frames to
    `target` (atomically); returns how many frames it holds (JSON) or the
    highest frame index plus one (CSV, rows only where someone was)."""
    text = partial.read_text(encoding="utf-8", errors="replace")
    lines = text.split("\n")
    kept: list[str] = []
    count = 0
    if target.suffix == ".json":
        # A frame is one line, its comma starting the next one's write: the
        # last frame has no newline yet, and is whole if it parses.
        head, rows = lines[0], lines[1:]
        for row in rows:
            try:
                frame = json.loads(row.rstrip(","))
            except ValueError:
                break
            if frame.get("index", frames) >= frames:
                break
            kept.append(row.rstrip(","))
            count += 1
        if not head.endswith('"frames":['):
            return 0
        body = head + "\n" + ",\n".join(kept) + ("\n" if kept else "") + '],"analysis":null}\n'
    else:
        complete = lines[:-1]  # a row without its newline was cut by the kill
        head_row, rows = (complete[0], complete[1:]) if complete else ("", [])
        for row in rows:
            index = row.split(",", 1)[0]
            if not index.isdigit() or int(index) >= frames:
                break
            kept.append(row)
            count = int(index) + 1
        body = "\n".join([head_row, *kept]) + "\n"
    with replaced_on_success(target) as tmp:
        tmp.write_text(body, encoding="utf-8", newline="")
    return count
