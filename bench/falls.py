"""Benchmark: falls, activity states and person IDs on real footage (issue 30).

    uv run python -m bench.falls [--cache DIR] [--media DIR]

Runs the real pipeline (the pose path of `posecloak analyze`: model,
tracking, gap filling, smoothing) on every clip of GMDCSA24 in
../shared/media/gmdcsa24 and scores what the analysis finds against the
dataset's own labels. With `--cache DIR` the keypoint JSON of each clip is
kept in DIR and reused (the analysis is then re-run from it in seconds;
delete DIR after changing anything before the analysis, e.g. tracking).
Prints figures, asserts nothing.

Falls: a fall clip is a hit when the detector fires from 1 s before the
labelled fall start on; a fall event in a daily-activity (ADL) clip, or
more than 1 s before the labelled start, is a false alarm. The alert delay
is the time of the frame on which the detector fires (the live alert's
time) minus the labelled fall start.

Activity states: the share of labelled time (frames inside the `Classes`
intervals) the analysis gives the right state. Standing -> standing,
Walking -> walking, Sitting -> sitting, Sleeping -> lying. The `Falling`
interval runs to the end of the clip and mixes the fall itself with the
time on the floor, so it is not scored as a state; its part from 1.5 s
after the fall start on is reported apart, as the share called lying or
sitting ("down"). Reading, Eating, Drinking and Exercising are activities,
not postures, and are not scored. IDs: the tracks of MIN_TRACK_S or more (the analysis leaves shorter ones
out); each clip has one person. Per frame, the state is that of the
longest-seen track present in the frame; frames where nobody is tracked
count as wrong (unknown).
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.analysis.activity import STATES  # noqa: E402
from app.analysis.analysis import analyze_arrays  # noqa: E402
from app.analysis.events import FallDetector  # noqa: E402
from app.analysis.tracks import builder_from_arrays  # noqa: E402
from app.base.settings import AnalysisSettings  # noqa: E402
from app.media.keypoints import keypoints_to_arrays, read_keypoints  # noqa: E402

SHARED = ROOT.parent / "shared"
MODEL = Path(os.environ.get("POSECLOAK_MODEL", SHARED / "models" / "pose_landmarker_full.task"))
MEDIA = SHARED / "media" / "gmdcsa24"
STATE_OF_CLASS = {"standing": "standing", "walking": "walking", "sitting": "sitting",
                  "sleeping": "lying"}
EARLY_S = 1.0  # a fall found this long before the labelled start still counts
MIN_TRACK_S = AnalysisSettings().min_track_s
SETTLE_S = 1.5  # after the labelled fall start: on the floor (or bed) from here
_INTERVAL = re.compile(r"([A-Za-z][A-Za-z ]*?)\s*(?:\([A-Z]+\))?\s*\[([^\]]*)\]")


@dataclass
class Clip:
    path: Path
    name: str  # Subject_N/Kind/NN
    fall_start_s: float | None
    intervals: list[tuple[str, float, float]] = field(default_factory=list)  # (class, a, b)

    @property
    def is_fall(self) -> bool:
        return self.fall_start_s is not None


def parse_classes(text: str) -> list[tuple[str, float, float]]:
    """`Falling (BW)[1.9 to 5]; Standing[0 to 0.3; 1.5 to 2.2]` ->
    [("falling", 1.9, 5.0), ("standing", 0.0, 0.3), ("standing", 1.5, 2.2)]."""
    out = []
    for name, spans in _INTERVAL.findall(text):
        cls = name.strip().lower()
        cls = "falling" if cls in ("fall", "falling") else cls
        for span in spans.split(";"):
            bounds = re.fullmatch(r"\s*([\d.]+)\s*to\s*([\d.]+)\s*", span)
            if bounds:  # rows of clips not in the subset have some typos
                out.append((cls, float(bounds[1]), float(bounds[2])))
    return out


def load_clips(media: Path) -> list[Clip]:
    classes = {}
    for table in sorted(media.glob("Subject_*/*.csv")):
        with open(table, newline="", encoding="utf-8") as f:
            for row in csv.reader(f):
                if row and row[0].strip().endswith(".mp4"):
                    key = f"{table.parent.name}/{table.stem}/{row[0].strip()}"
                    classes[key] = parse_classes(row[-1])
    clips = []
    with open(media / "labels.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            start = float(row["fall_start_s"]) if row["fall_start_s"] else None
            clips.append(Clip(media / row["file"], row["file"].removesuffix(".mp4"), start,
                              classes.get(row["file"], [])))
    return clips


def keypoints(clip: Clip, cache: Path | None) -> dict:
    """The clip's keypoint file, from the cache or made by the real pipeline."""
    if cache is not None:
        path = cache / (clip.name.replace("/", "_") + ".json")
        if path.exists():
            return read_keypoints(path)
        cache.mkdir(parents=True, exist_ok=True)
        return read_keypoints(_convert(clip, path))
    with tempfile.TemporaryDirectory() as tmp:
        return read_keypoints(_convert(clip, Path(tmp) / "k.json"))


def _convert(clip: Clip, path: Path) -> Path:
    from app.base.settings import SkeletonSettings
    from app.engine.jobs import ConvertJob
    from app.engine.pipeline import convert
    job = ConvertJob(clip.path, path.with_suffix(".html"), SkeletonSettings(jobs=1),
                     keypoints=(path,), video=False, overwrite=True)
    convert(job, MODEL)
    return path


@dataclass
class Result:
    clip: Clip
    alerts: list[tuple[float, float]]  # (alert time = frame it fired on, event time)
    ids: int  # tracked for MIN_TRACK_S or more
    all_ids: int
    seen: float  # share of frames with a tracked person
    states: dict[str, tuple[float, float]]  # labelled class -> (right s, labelled s)
    down: tuple[float, float]  # after the fall: (lying or sitting s, labelled s)
    confusion: dict[tuple[str, str], float]


def score(clip: Clip, data: dict) -> Result:
    times, ids, arrays = keypoints_to_arrays(data)
    width, height = data["video"]["width"], data["video"]["height"]
    builder = builder_from_arrays(times, ids, arrays, width, height)
    alerts = []
    for track in builder.tracks():
        detector = FallDetector(track.person_id)
        for i, t in enumerate(track.times):
            event = detector.update(float(t), track.xy[i], float(track.confidence[i]))
            if event is not None and event.kind == "fall":
                alerts.append((float(t), event.time_s))
    analysis = analyze_arrays(times, ids, arrays, width, height)
    # Per frame: the state of the longest-seen track present.
    order = sorted(analysis.people, key=lambda p: -len(p.times))
    frame_state = np.full(len(times), STATES.index("unknown"))
    for person in reversed(order):
        rows = np.searchsorted(times, person.times)
        frame_state[rows] = person.states
    step = np.diff(times, append=times[-1] + (np.median(np.diff(times)) if len(times) > 1 else 0))
    states: dict[str, list[float]] = {}
    confusion: dict[tuple[str, str], float] = {}
    down = [0.0, 0.0]
    for cls, a, b in clip.intervals:
        inside = (times >= a) & (times < b)
        if cls == "falling":
            after = inside & (times >= a + SETTLE_S)
            low = np.isin(frame_state, [STATES.index("lying"), STATES.index("sitting")])
            down[0] += float(step[after & low].sum())
            down[1] += float(step[after].sum())
            continue
        if cls not in STATE_OF_CLASS:
            continue
        want = STATE_OF_CLASS[cls]
        got = states.setdefault(cls, [0.0, 0.0])
        got[0] += float(step[inside & (frame_state == STATES.index(want))].sum())
        got[1] += float(step[inside].sum())
        for k in np.flatnonzero(inside):
            key = (want, STATES[frame_state[k]])
            confusion[key] = confusion.get(key, 0.0) + float(step[k])
    spans: dict[int, list[float]] = {}
    for t, frame in zip(times, ids):
        for i in frame:
            if i >= 0:
                spans.setdefault(i, [t, t])[1] = t
    # A track the analysis leaves out as too short (a one-frame ghost) is no ID.
    long_ids = [i for i, (a, b) in spans.items() if b - a >= MIN_TRACK_S]
    seen = float(np.mean([any(i >= 0 for i in frame) for frame in ids])) if ids else 0.0
    return Result(clip, sorted(alerts), len(long_ids), len(spans), seen,
                  {k: (v[0], v[1]) for k, v in states.items()}, (down[0], down[1]), confusion)


def verdict(r: Result) -> tuple[str, float | None, int]:
    """(hit / miss / ok / false alarm, alert delay of a hit, false alarms)."""
    start = r.clip.fall_start_s
    if start is None:
        return ("false alarm" if r.alerts else "ok"), None, len(r.alerts)
    early = [a for a in r.alerts if a[1] < start - EARLY_S]
    hits = [a for a in r.alerts if a[1] >= start - EARLY_S]
    if hits:
        return "hit", hits[0][0] - start, len(early)
    return "miss", None, len(early)


def report(results: list[Result]) -> None:
    print(f"{'clip':18} {'label':>6} {'verdict':>11} {'event s':>8} {'alert s':>8} "
          f"{'delay s':>8} {'IDs':>4} {'seen':>5}  states right / labelled (s)")
    delays, hits, falls, false_alarms, adl_s = [], 0, 0, 0, 0.0
    totals: dict[str, list[float]] = {}
    down = [0.0, 0.0]
    confusion: dict[tuple[str, str], float] = {}
    for r in results:
        what, delay, fa = verdict(r)
        c = r.clip
        if c.is_fall:
            falls += 1
            hits += what == "hit"
            if delay is not None:
                delays.append(delay)
        else:
            adl_s += c.intervals and max(b for _, _, b in c.intervals) or 0.0
        false_alarms += fa
        first = r.alerts[0] if r.alerts else None
        states = ", ".join(f"{k} {v[0]:.1f}/{v[1]:.1f}" for k, v in r.states.items())
        if r.down[1]:
            states += f"; down after fall {r.down[0]:.1f}/{r.down[1]:.1f}"
        for k, v in r.states.items():
            t = totals.setdefault(k, [0.0, 0.0])
            t[0] += v[0]
            t[1] += v[1]
        down[0] += r.down[0]
        down[1] += r.down[1]
        for k, v in r.confusion.items():
            confusion[k] = confusion.get(k, 0.0) + v
        print(f"{c.name:18} {('fall' if c.is_fall else 'ADL'):>6} "
              f"{what + (f' +{fa} FA' if fa and c.is_fall else ''):>11} "
              f"{(f'{first[1]:.2f}' if first else '-'):>8} {(f'{first[0]:.2f}' if first else '-'):>8} "
              f"{(f'{delay:+.2f}' if delay is not None else '-'):>8} "
              f"{r.ids:>3}{'+' if r.all_ids > r.ids else ' '} {r.seen:5.0%}  "
              f"{states}")
    adl = [r for r in results if not r.clip.is_fall]
    adl_fa = sum(len(r.alerts) for r in adl)
    adl_hours = sum(r.clip.intervals and max(b for _, _, b in r.clip.intervals) or 0
                    for r in adl) / 3600
    right = sum(v[0] for v in totals.values())
    labelled = sum(v[1] for v in totals.values())
    print(f"\nfalls: recall {hits}/{falls} = {hits / max(falls, 1):.2f}; false alarms: {adl_fa} in "
          f"{len(adl)} ADL clips ({adl_fa / adl_hours if adl_hours else 0:.0f} per hour of daily "
          f"activity), {false_alarms - adl_fa} early in fall clips; mean alert delay "
          f"{np.mean(delays) if delays else float('nan'):.2f} s "
          f"(max {max(delays) if delays else float('nan'):.2f} s)")
    print(f"IDs per clip (tracks of {MIN_TRACK_S} s or more; + where shorter ones were left "
          f"out): {np.mean([r.ids for r in results]):.2f} mean, "
          f"{sum(r.ids == 1 for r in results)} of {len(results)} clips with exactly one "
          f"(all tracks: {np.mean([r.all_ids for r in results]):.2f} mean)")
    print(f"activity states: {right:.1f} of {labelled:.1f} labelled s right = "
          f"{right / max(labelled, 1e-9):.2f}; " + ", ".join(
              f"{k} {v[0] / max(v[1], 1e-9):.2f} ({v[1]:.1f} s)" for k, v in totals.items()))
    print(f"after a fall (from {SETTLE_S} s after its start): lying or sitting "
          f"{down[0]:.1f} of {down[1]:.1f} s = {down[0] / max(down[1], 1e-9):.2f}")
    print("labelled -> given (s): " + ", ".join(
        f"{a}->{b} {v:.1f}" for (a, b), v in sorted(confusion.items()) if a != b))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, help="keep and reuse keypoint JSON here")
    parser.add_argument("--media", type=Path, default=MEDIA)
    parser.add_argument("--only", help="clips whose name contains this")
    args = parser.parse_args(argv)
    clips = [c for c in load_clips(args.media) if not args.only or args.only in c.name]
    started = time.perf_counter()
    results = [score(c, keypoints(c, args.cache)) for c in clips]
    print(f"GMDCSA24, {len(clips)} clips ({time.perf_counter() - started:.0f} s)\n")
    report(results)


if __name__ == "__main__":
    main()
