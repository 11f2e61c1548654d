"""Events: falls, and people entering or leaving the picture.

Falls are found by `fall_detector.FallDetector` (its docstring says how),
one frame at a time, so the live preview and the analysis of a file run
exactly the same code; here each confirmed fall becomes an Event timed at
the start of the fall, with the detector's confidence (the mean visibility
of the core landmarks while the person was down) and a detail saying how
the body came down.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.analysis import fall_detector
from app.analysis.activity import core_visibility
from app.analysis.angles import masked_pixels

LEAVE_GAP_S = 1.0  # unseen this long inside a track: left, and entered again
EDGE_S = 0.5  # tracks that start or end this close to the video's ends entered/left nobody


@dataclass(frozen=True)
class Event:
    kind: str  # "fall", "entered", "left"
    time_s: float
    person_id: int
    confidence: float = 1.0
    detail: str = ""

    def to_json(self) -> dict:
        return {"type": self.kind, "time_s": round(self.time_s, 3), "person_id": self.person_id,
                "confidence": round(self.confidence, 2), "detail": self.detail}


class FallDetector:
    """One person's fall detector giving Events (fall_detector.FallDetector).
    Thread: one at a time."""

    def __init__(self, person_id: int) -> None:
        self.person_id = person_id
        self._detector = fall_detector.FallDetector(person_id)

    def update(self, time_s: float, xy: np.ndarray, confidence: float) -> Event | None:
        """One frame of this person: (33, 2) pixels, NaN where not valid;
        an Event on the frame that confirms a fall."""
        found = self._detector.update(time_s, xy, confidence)
        if found is None:
            return None
        return Event("fall", found.start_s, self.person_id, found.confidence,
                     f"{found.how}; down {found.down_s - found.start_s:.2f} s after the start, "
                     f"confirmed {found.confirmed_s - found.start_s:.2f} s after it")


def falls(person_id: int, times: np.ndarray, xy: np.ndarray,
          confidence: np.ndarray) -> list[Event]:
    """The falls in one track (the same detector as the live alert)."""
    detector = FallDetector(person_id)
    found = [detector.update(float(t), xy[i], float(confidence[i])) for i, t in enumerate(times)]
    return [e for e in found if e is not None]


def presence_events(person_id: int, times: np.ndarray, video_start_s: float,
                    video_end_s: float) -> list[Event]:
    """'entered' where a track starts after the video's start (or after a gap
    of LEAVE_GAP_S), 'left' where it ends before the video's end (or a gap
    starts)."""
    if len(times) == 0:
        return []
    out = []
    if times[0] - video_start_s > EDGE_S:
        out.append(Event("entered", float(times[0]), person_id))
    for i in np.flatnonzero(np.diff(times) > LEAVE_GAP_S):
        out += [Event("left", float(times[i]), person_id),
                Event("entered", float(times[i + 1]), person_id)]
    if video_end_s - times[-1] > EDGE_S:
        out.append(Event("left", float(times[-1]), person_id))
    return out


class LiveFallMonitor:
    """Fall detectors for everyone in a live session, fed each shown pose
    (PoseFrame-like: time_s, ids, landmarks, valid, width, height). Thread:
    the capture worker's."""

    def __init__(self) -> None:
        self._detectors: dict[int, FallDetector] = {}

    def update(self, pose, valid: np.ndarray | None = None) -> list[Event]:
        valid = pose.valid if valid is None else valid
        xy = masked_pixels(pose.landmarks, valid, pose.width, pose.height)
        seen = core_visibility(pose.landmarks)
        out = []
        for row, pid in enumerate(pose.ids):
            if pid < 0:
                continue
            detector = self._detectors.setdefault(int(pid), FallDetector(int(pid)))
            event = detector.update(pose.time_s, xy[row], float(seen[row]))
            if event is not None:
                out.append(event)
        return out
