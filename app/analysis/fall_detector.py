"""One person's fall detector, designed from real recorded falls (GMDCSA24,
bench/falls.py), fed one frame at a time: the live alert and the analysis
of a file run this same code.

Everything is measured in the person's own body size S: the longest torso
(mid-hip to mid-shoulder) seen in the last HISTORY_S, so that a trunk
foreshortened by falling towards or away from the camera does not shrink
the yardstick. Heights are of the hips above the floor, the floor being the
lowest the feet (ankles, heels) were seen in the last HISTORY_S. Standing,
the hips are about 1.5 S above it; seated on a chair or a bed about 1 S;
on the floor under about 0.7 S.

The trunk's tilt from vertical is the larger of its lean in the picture
and its lean towards or away from the camera, arccos(torso / S): a person
falling backwards seen from the front keeps a near-vertical trunk in the
picture, but it looks half as long.

A fall is, per frame:

1. **down**: the body lies (tilt over LYING_LEAN_DEG, head down towards the
   camera included) with the hips under BENT_HEIGHT x S (bending over to
   the floor keeps them at standing height), or is slumped low (tilt over
   UPRIGHT_LEAN_DEG with the hips under SLUMP_HEIGHT x S);
2. reached **fast**, within TRANSITION_S (real falls take 0.5-1.5 s; knees
   usually buckle first, so no straight-legged start is asked for), by one of
   - the trunk turning from upright (tilt under UPRIGHT_LEAN_DEG) to lying
     within TIP_S, with the hips going down by TIP_DROP x S or more
     (falling backwards onto a bed drops the hips little);
   - the hips going down by DROP x S or more, ending lying (falls from a
     chair or off a bed: low, or already lying, at the start);
   - the hips going down by COLLAPSE_DROP x S or more, ending slumped low
     (collapsing straight down, forwards onto the knees, backwards seen
     from the front);
   for the last two the hips must at some point go down faster than
   FALL_SPEED x S a second (measured 1.4-2.9 on the shared falls; a body
   lowered on purpose, even tipped over stiffly in 4 s, stays under 0.6);
3. then **staying down and still**: the hips stay under SLUMP_HEIGHT x S
   (or the body down) and within STILL x S of one place for HOLD_S, which
   must begin within CONFIRM_S of coming down. The roll that settles a fall
   only delays the alert; getting up, squatting and rising, bending to pick
   something up end it before that.

Not a fall: sitting down (the trunk stays upright and the hips stop about
1 S above the floor), lying down on purpose (the trunk turns slower than
TIP_S and the hips go down slower than FALL_SPEED), a skeleton lying from the
start (a bicycle on the ground: nothing came down), someone leaving the
picture or whose legs leave it (the track ends, LOST_S; no feet: no floor,
so only a lying trunk can count).

Limits: a collapse slower than FALL_SPEED throughout is taken for a
controlled one; one camera sees depth only through foreshortening; a person hidden
by furniture, or lost by the pose model on the floor, cannot be followed
(LOST_S drops the pending fall). The start of a fall is the last frame
before the hips began to go down (or the trunk to turn); the alert comes
HOLD_S or more after the body came down.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from app.analysis.activity import posture
from app.base.landmarks import INDEX

HISTORY_S = 4.0  # body size and floor are taken from this much past
TRANSITION_S = 1.5  # the longest a fall takes from its start to down
UPRIGHT_LEAN_DEG = 35.0  # trunk tilt under this: upright
LYING_LEAN_DEG = 60.0  # trunk tilt over this: lying
SLUMP_HEIGHT = 1.0  # hips this low (x S) with the trunk leaning: slumped
BENT_HEIGHT = 1.3  # hips this high (x S) with the trunk lying: bending over
TIP_DROP = 0.25  # hip descent (x S) with the trunk turning to lying
DROP = 0.5  # hip descent (x S) ending lying (from a chair or a bed)
COLLAPSE_DROP = 0.9  # hip descent (x S) ending on the floor
TIP_S = 0.8  # the trunk turns from upright to lying within this
FALL_SPEED = 1.0  # x S per second: the hips' descent is a fall, not a controlled one
SPEED_SPAN_S = 0.25
START_MARGIN = 0.1  # x S: hips within this of their highest have not begun to fall
HOLD_S = 0.75  # down and still this long: confirmed
STILL = 0.5  # x S: how far the hips may move while still
CONFIRM_S = 3.0  # after coming down, stillness must start within this
REARM_S = 1.0  # up this long after a fall before another can be found
LOST_S = 1.0  # unseen this long: a pending fall is dropped

_FEET = [INDEX[f"{side}_{k}"] for side in ("left", "right") for k in ("ankle", "heel")]


@dataclass(frozen=True)
class FallFound:
    """A confirmed fall: when it started, came down, and was confirmed."""

    start_s: float
    down_s: float
    confirmed_s: float
    how: str  # what the transition was, for the event's detail
    confidence: float


@dataclass
class _Sample:
    t: float
    hip_y: float
    lean: float
    torso: float
    feet_y: float  # lowest foot point seen (pixels, NaN: no foot seen)


@dataclass
class _Pending:
    start_s: float
    down_s: float
    how: str
    anchor: np.ndarray  # where the hips are resting
    still_since: float
    seen: list[float]


def _peak_descent(samples: list[_Sample], size: float) -> float:
    """The fastest the hips went down (x S per second), over spans of at
    least SPEED_SPAN_S so that one jittery frame is no speed."""
    t = np.array([s.t for s in samples])
    y = np.array([s.hip_y for s in samples])
    j = np.searchsorted(t, t + SPEED_SPAN_S)
    ok = j < len(t)
    if not ok.any():
        return 0.0
    i, j = np.flatnonzero(ok), j[ok]
    return float(np.max((y[j] - y[i]) / (t[j] - t[i]))) / size


def _tilt(sample: _Sample, size: float) -> float:
    """The trunk's angle from vertical: in the picture, or towards or away
    from the camera (the torso looks shorter than the body size), the larger."""
    return max(sample.lean, float(np.degrees(np.arccos(min(1.0, sample.torso / size)))))


class FallDetector:
    """One person's fall detector, fed frames in time order (`update`).
    Thread: one at a time."""

    def __init__(self, person_id: int) -> None:
        self.person_id = person_id
        self._history: deque[_Sample] = deque()
        self._pending: _Pending | None = None
        self._fallen = False
        self._up_since: float | None = None

    def update(self, time_s: float, xy: np.ndarray, confidence: float) -> FallFound | None:
        """One frame of this person: (33, 2) pixels, NaN where not valid;
        `confidence` is the mean visibility of the core points (0..1)."""
        if self._history and time_s < self._history[-1].t:
            self._history.clear()  # time went back (a looped source): start over
            self._pending = None
        if self._history and time_s - self._history[-1].t > LOST_S:
            # Unseen for a while: a fall pending is not confirmed (the person
            # may have left). The history stays: it ages out by itself, and a
            # descent measured across the gap is too slow to count.
            self._pending = None
        p = posture(xy[None])
        lean, torso, hip = float(p.lean[0]), float(p.torso[0]), p.hip[0]
        if not (np.isfinite(lean) and np.isfinite(torso) and np.isfinite(hip).all()):
            return None
        with np.errstate(all="ignore"):
            feet = xy[_FEET, 1]
            feet_y = float(np.nanmax(feet)) if np.isfinite(feet).any() else float("nan")
        now = _Sample(time_s, float(hip[1]), lean, torso, feet_y)
        self._history.append(now)
        while time_s - self._history[0].t > HISTORY_S:
            self._history.popleft()
        size = max(s.torso for s in self._history)
        floors = [s.feet_y for s in self._history if np.isfinite(s.feet_y)]
        height = (max(floors) - now.hip_y) / size if floors else float("nan")
        tilt = _tilt(now, size)
        # A lying trunk with the hips still at standing height is someone
        # bending over to the floor.
        lying = tilt > LYING_LEAN_DEG and not (np.isfinite(height) and height > BENT_HEIGHT)
        slumped = tilt > UPRIGHT_LEAN_DEG and np.isfinite(height) and height <= SLUMP_HEIGHT
        down = lying or slumped
        if self._fallen:
            self._up_since = None if down else (self._up_since if self._up_since is not None
                                                else time_s)
            if self._up_since is None or time_s - self._up_since < REARM_S:
                return None
            self._fallen = False
        if self._pending is not None:
            return self._follow(now, hip, size, down, height, confidence)
        if not down:
            return None
        how = self._transition(now, size, lying, slumped)
        if how is not None:
            start_s, text = how
            self._pending = _Pending(start_s, time_s, text, hip.copy(), time_s, [confidence])
        return None

    def _transition(self, now: _Sample, size: float, lying: bool,
                    floor: bool) -> tuple[float, str] | None:
        """(start time, words) of a fast way down that ends at `now`, or None."""
        recent = [s for s in self._history if now.t - s.t <= TRANSITION_S]
        top = min(recent, key=lambda s: s.hip_y)
        drop = (now.hip_y - top.hip_y) / size
        # The descent began at the last frame the hips were still up there.
        began = max((s.t for s in recent if s.hip_y - top.hip_y <= START_MARGIN * size),
                    default=top.t)
        upright = [s for s in recent if _tilt(s, size) < UPRIGHT_LEAN_DEG]
        if lying and upright and drop >= TIP_DROP and now.t - upright[-1].t <= TIP_S:
            start = min(upright[-1].t, began)
            return start, f"trunk from upright to lying, hips down {drop:.1f} torso lengths"
        speed = _peak_descent(recent, size)
        if speed < FALL_SPEED:
            return None
        if lying and drop >= DROP:
            return began, (f"hips down {drop:.1f} torso lengths at up to {speed:.1f} a second, "
                           "ending lying")
        if drop >= COLLAPSE_DROP and floor:
            return began, (f"hips down {drop:.1f} torso lengths at up to {speed:.1f} a second, "
                           "ending low")
        return None

    def _follow(self, now: _Sample, hip: np.ndarray, size: float, down: bool, height: float,
                confidence: float) -> FallFound | None:
        pending = self._pending
        if not down and not (np.isfinite(height) and height <= SLUMP_HEIGHT):
            # Got up (hips back up, or trunk upright with no floor known): no fall.
            self._pending = None
            return None
        pending.seen.append(confidence)
        if np.linalg.norm(hip - pending.anchor) > STILL * size:
            pending.anchor, pending.still_since = hip.copy(), now.t  # still settling
        if now.t - pending.still_since >= HOLD_S:
            self._pending = None
            self._fallen, self._up_since = True, None
            return FallFound(pending.start_s, pending.down_s, now.t, pending.how,
                             float(np.clip(np.mean(pending.seen), 0.0, 1.0)))
        if now.t - pending.down_s > CONFIRM_S:
            self._pending = None  # kept moving: not the stillness after a fall
        return None
