"""The analysis as CSV text: angles over time, and events.

angles CSV: one row per person per frame, columns `time_s, person_id,
activity`, then one column per angle (`left knee flexion`, ..., degrees,
filtered; empty where not measured).
events CSV: `time_s, type, person_id, confidence, detail`.
Text only: the caller writes it (atomically) where it belongs.
"""

from __future__ import annotations

import csv
import io

import numpy as np

from app.analysis.activity import STATES
from app.analysis.analysis import Analysis
from app.analysis.angles import ANGLES
from app.analysis.events import Event

ANGLE_COLUMNS = ("time_s", "person_id", "activity", *(a.label for a in ANGLES))
EVENT_COLUMNS = ("time_s", "type", "person_id", "confidence", "detail")


def _cell(v: float) -> str:
    return "" if not np.isfinite(v) else f"{v:.2f}"


def angles_csv(analysis: Analysis) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(ANGLE_COLUMNS)
    rows = []
    for person in analysis.people:
        for i, t in enumerate(person.times):
            rows.append((float(t), person.person_id,
                         [STATES[person.states[i]], *map(_cell, person.angles[i])]))
    rows.sort(key=lambda r: (r[0], r[1]))
    for t, pid, rest in rows:
        w.writerow([f"{t:.6f}".rstrip("0").rstrip(".") if t else "0", pid, *rest])
    return out.getvalue()


def events_csv(events: Analysis | list[Event]) -> str:
    """The events of an analysis (or a list of them, e.g. live alerts)."""
    events = events.events if isinstance(events, Analysis) else events
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(EVENT_COLUMNS)
    for e in events:
        w.writerow([f"{e.time_s:.3f}", e.kind, e.person_id, f"{e.confidence:.2f}", e.detail])
    return out.getvalue()
