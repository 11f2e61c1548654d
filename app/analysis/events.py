"""Events: falls, and people entering or leaving the picture.

A fall is a fast transition from upright to lying or to the ground, then
little motion:

1. upright: trunk lean under 30 deg with the knees below the hips (a
   standing or walking posture); each upright frame sets the reference
   torso length and hip height;
2. down: trunk lean over 60 deg (lying), or the hips more than 1.3 torso
   lengths below their upright height (on the ground);
3. fast: down comes at most 0.5 s after the last upright frame, i.e. the
   trunk turns from 30 to 60 deg within 0.5 s: a body tipping over evenly
   from upright to horizontal in under about 1.5 s (lying down on purpose,
   or being helped down, is slower: see bench/analysis.py);
4. then still: for the next 1.5 s the person is not upright again and the
   hips stay within 0.8 torso lengths of where they came down.

The event is timed at the middle of the transition (between the last
upright and the first down frame). Confidence (0..1) = the mean landmark
visibility during the event x (how fast: 1 at 0.15 s or less, 0.5 at 0.5 s) x
(how still: 1 when motionless, 0.5 at the limit). After a fall the detector
waits for the person to be upright for a second before it can fire again.

The detector is causal and fed one frame at a time, so the live preview and
the analysis of a file run exactly the same code: a live alert comes 1.5 s
after the fall, when it is confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.analysis.activity import SITTING_DROP, core_visibility, posture
from app.analysis.angles import masked_pixels

UPRIGHT_LEAN_DEG = 30.0
DOWN_LEAN_DEG = 60.0
GROUND_DROP = 1.3  # torso lengths the hips fall to count as on the ground
MAX_TRANSITION_S = 0.5
HOLD_S = 1.5
STILL_TORSOS = 0.8
REARM_S = 1.0
LOST_S = 1.0  # a person unseen this long while a fall is pending: no confirmation
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


@dataclass
class _Pending:
    start_s: float  # last upright frame
    down_s: float
    hip: np.ndarray
    torso: float
    confidence: list[float]
    max_move: float = 0.0


class FallDetector:
    """One person's fall detector, fed frames in time order. Thread: one at a time."""

    def __init__(self, person_id: int) -> None:
        self.person_id = person_id
        self._last_upright_s: float | None = None
        self._ref_hip_y = self._ref_torso = float("nan")
        self._pending: _Pending | None = None
        self._fallen = False
        self._upright_since: float | None = None
        self._last_seen_s: float | None = None

    def update(self, time_s: float, xy: np.ndarray, confidence: float) -> Event | None:
        """One frame of this person: (33, 2) pixels, NaN where not valid."""
        p = posture(xy[None])
        lean, torso, hip, drop = float(p.lean[0]), float(p.torso[0]), p.hip[0], float(p.drop[0])
        if self._pending and self._last_seen_s is not None and time_s - self._last_seen_s > LOST_S:
            self._pending = None
        self._last_seen_s = time_s
        if not (np.isfinite(lean) and np.isfinite(torso)):
            return None
        upright = lean < UPRIGHT_LEAN_DEG and np.isfinite(drop) and drop >= SITTING_DROP
        if upright:
            self._upright_since = time_s if self._upright_since is None else self._upright_since
        else:
            self._upright_since = None
        if self._fallen:
            if self._upright_since is not None and time_s - self._upright_since >= REARM_S:
                self._fallen = False
            else:
                return None
        if self._pending is not None:
            return self._follow(time_s, hip, upright, confidence)
        if upright:
            self._last_upright_s, self._ref_hip_y, self._ref_torso = time_s, float(hip[1]), torso
            return None
        on_ground = np.isfinite(self._ref_hip_y) and \
            hip[1] - self._ref_hip_y > GROUND_DROP * self._ref_torso
        if (lean > DOWN_LEAN_DEG or on_ground) and self._last_upright_s is not None:
            if time_s - self._last_upright_s <= MAX_TRANSITION_S:
                self._pending = _Pending(self._last_upright_s, time_s, hip.copy(),
                                         self._ref_torso, [confidence])
            self._last_upright_s = None  # a slow transition: wait for upright again
        return None

    def _follow(self, time_s: float, hip: np.ndarray, upright: bool,
                confidence: float) -> Event | None:
        pending = self._pending
        if upright:  # a stumble, caught: no fall
            self._pending = None
            self._last_upright_s = time_s
            return None
        pending.confidence.append(confidence)
        if np.isfinite(hip).all():
            pending.max_move = max(pending.max_move,
                                   float(np.linalg.norm(hip - pending.hip)) / pending.torso)
        if pending.max_move > STILL_TORSOS:
            self._pending = None  # still moving a lot: not the stillness after a fall
            return None
        if time_s - pending.down_s < HOLD_S:
            return None
        self._pending = None
        self._fallen = True
        transition = pending.down_s - pending.start_s
        fast = 0.3 * MAX_TRANSITION_S
        speed = 1.0 if transition <= fast else 1.0 - 0.5 * (transition - fast) / (
            MAX_TRANSITION_S - fast)
        still = 1.0 - 0.5 * pending.max_move / STILL_TORSOS
        seen = float(np.mean(pending.confidence))
        return Event("fall", (pending.start_s + pending.down_s) / 2, self.person_id,
                     float(np.clip(seen * speed * still, 0.0, 1.0)),
                     f"upright to down in {transition:.2f} s")


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
