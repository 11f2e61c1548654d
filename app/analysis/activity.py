"""Activity over time per person: standing, walking, sitting, lying, unknown,
and walking cadence.

Everything is measured in the person's own size, the torso length (mid-hip
to mid-shoulder, in pixels), so it does not depend on the distance to the
camera. Per frame:

- trunk lean from vertical (angles.py);
- thigh drop: how far the knees are beyond the hips along the trunk's axis
  (shoulders to hips, continued), in torso lengths. Standing or walking,
  the thighs continue the trunk (about 0.6-0.9); seated or crouched they
  are near horizontal, or point at the camera, and the knees come up to
  about the hips' level (below about 0.4);
- thigh ratio: the thigh's length in the picture over the shank's (knee
  to ankle), same side, averaged over the sides where both are seen.
  Standing or walking the two look alike (0.95-1.2 measured on GMDCSA24,
  the camera's height foreshortens both alike); seated seen from the front
  the thigh points at the camera and looks short while the shank hangs
  full length (0.4-0.75). This is what tells a seated person from the
  front, where the thigh drop cannot (the knees are still below the hips
  in the picture). Only where the shank is 30 px or more in the picture:
  on smaller people landmark jitter moves the ratio by 0.2;
- speed of the hip centre in torso lengths per second.

Rules, in order: too few confident landmarks -> unknown; lean over 60 deg ->
lying; knees not seen -> unknown (standing and sitting cannot be told
apart); thigh drop under 0.4, or thigh ratio under 0.8 -> sitting; then walking where the hips move
faster than 0.5 torso lengths per second while the ankles swing (their
separation varies by over 0.1 torso lengths within 1.5 s), or the ankles
swing by over 0.3 with the hips still (walking on the spot), else standing. The per-frame labels are smoothed
with a 0.5 s majority vote and runs shorter than 0.6 s are merged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.analysis.angles import lowpass, midpoint, trunk_lean
from app.base.landmarks import INDEX
from app.base.nanstats import nan_mean

STATES = ("standing", "walking", "sitting", "lying", "unknown")
LYING_LEAN_DEG = 60.0
SITTING_DROP = 0.4
SITTING_THIGH_RATIO = 0.8  # thigh over shank length in the picture
# The ratio is only trusted where the shank is this long in the picture: a
# few pixels of landmark jitter on a small person's legs move it by 0.2.
MIN_SHANK_PX = 30.0
WALK_SPEED = 0.5  # torso lengths per second
STEP_SWING = 0.1  # ankle separation spread (torso lengths) of steps
SPOT_SWING = 0.3  # ... of walking on the spot (treadmill), hips still
MAJORITY_S = 0.5
MIN_RUN_S = 0.6

# The landmarks every decision here rests on; their mean visibility is a
# track's confidence.
CORE_POINTS = tuple(INDEX[f"{side}_{k}"] for side in ("left", "right")
                    for k in ("shoulder", "hip", "knee"))


def core_visibility(landmarks: np.ndarray) -> np.ndarray:
    """(people,) mean visibility of CORE_POINTS: how sure the model is of
    what activity and falls rest on."""
    return np.nan_to_num(np.asarray(landmarks, np.float64)[:, list(CORE_POINTS), 3]).mean(axis=1)


_L = {k: INDEX[f"left_{k}"] for k in ("shoulder", "hip", "knee", "ankle")}
_R = {k: INDEX[f"right_{k}"] for k in ("shoulder", "hip", "knee", "ankle")}


def _nanmean(*arrays: np.ndarray) -> np.ndarray:
    return nan_mean(np.stack(arrays), axis=0)


@dataclass(frozen=True, eq=False)
class Posture:
    """Per-frame features of one track (see the module docstring)."""

    lean: np.ndarray  # degrees
    torso: np.ndarray  # pixels
    hip: np.ndarray  # (n, 2) pixels
    drop: np.ndarray  # torso lengths
    ankles: np.ndarray  # (n, 2) left minus right ankle, pixels
    thigh_ratio: np.ndarray  # thigh over shank length in the picture (NaN: not seen)


def posture(xy: np.ndarray) -> Posture:
    """Features from (n, 33, 2) pixel positions (NaN = not valid)."""
    xy = np.asarray(xy, np.float64)
    hip = midpoint(xy, _L["hip"], _R["hip"])
    shoulder = midpoint(xy, _L["shoulder"], _R["shoulder"])
    torso = np.linalg.norm(shoulder - hip, axis=1)
    torso = np.where(torso > 1e-6, torso, np.nan)
    lean = trunk_lean(xy)
    # Along the trunk's own axis, so that a tilted body keeps its proportions.
    down = (hip - shoulder) / torso[:, None]
    drops = [((xy[:, s["knee"]] - xy[:, s["hip"]]) * down).sum(axis=1) for s in (_L, _R)]
    drop = _nanmean(*drops) / torso
    ankles = xy[:, _L["ankle"]] - xy[:, _R["ankle"]]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios = []
        for s in (_L, _R):
            shank = np.linalg.norm(xy[:, s["ankle"]] - xy[:, s["knee"]], axis=1)
            thigh = np.linalg.norm(xy[:, s["knee"]] - xy[:, s["hip"]], axis=1)
            ratios.append(np.where(shank >= MIN_SHANK_PX, thigh / shank, np.nan))
    ratio = _nanmean(*(np.where(np.isfinite(r), r, np.nan) for r in ratios))
    return Posture(lean, torso, hip, drop, ankles, ratio)



def _speed(times: np.ndarray, p: Posture) -> np.ndarray:
    """Hip speed in torso lengths per second, low-passed at 1 Hz (steps and
    jitter are not motion of the whole body)."""
    if len(times) < 3:
        return np.zeros(len(times))
    hip = lowpass(times, p.hip, 1.0)
    size = np.nanmedian(p.torso) if np.isfinite(p.torso).any() else np.nan
    v = np.gradient(hip, times, axis=0) if len(times) > 1 else np.zeros_like(hip)
    return np.linalg.norm(v, axis=1) / size


def _window_bounds(times: np.ndarray, window_s: float) -> tuple[np.ndarray, np.ndarray]:
    """[lo, hi) indices of the centred window around each time (times rise)."""
    return (np.searchsorted(times, times - window_s / 2, "left"),
            np.searchsorted(times, times + window_s / 2, "right"))


def _swing(times: np.ndarray, p: Posture, window_s: float = 1.5) -> np.ndarray:
    """Spread (standard deviation) of the ankle separation, in torso
    lengths, over a centred window; NaN with fewer than 5 values in it."""
    sep = np.linalg.norm(p.ankles, axis=1) / p.torso
    ok = np.isfinite(sep)
    v = np.where(ok, sep, 0.0)
    c0, c1, c2 = (np.concatenate([[0.0], np.cumsum(x)]) for x in (ok.astype(float), v, v * v))
    lo, hi = _window_bounds(times, window_s)
    n = c0[hi] - c0[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (c1[hi] - c1[lo]) / n
        var = (c2[hi] - c2[lo]) / n - mean * mean
    return np.where(n >= 5, np.sqrt(np.maximum(var, 0.0)), np.nan)


def frame_states(times: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Raw per-frame labels (indices into STATES)."""
    times = np.asarray(times, np.float64)
    p = posture(xy)
    lean = lowpass(times, p.lean, 2.0)
    drop = lowpass(times, p.drop, 2.0)
    ratio = lowpass(times, p.thigh_ratio, 2.0)
    speed, swing = _speed(times, p), _swing(times, p)
    states = np.full(len(times), STATES.index("unknown"))
    trunk = np.isfinite(lean) & np.isfinite(p.torso)
    lying = trunk & (lean > LYING_LEAN_DEG)
    legs = trunk & ~lying & np.isfinite(drop)
    sitting = legs & ((drop < SITTING_DROP) | (np.isfinite(ratio) & (ratio < SITTING_THIGH_RATIO)))
    upright = legs & ~sitting
    speed, swing = np.nan_to_num(speed), np.nan_to_num(swing)
    walking = upright & (((speed > WALK_SPEED) & (swing > STEP_SWING)) | (swing > SPOT_SWING))
    states[lying] = STATES.index("lying")
    states[sitting] = STATES.index("sitting")
    states[upright] = STATES.index("standing")
    states[walking] = STATES.index("walking")
    return states


def smooth_states(times: np.ndarray, states: np.ndarray) -> np.ndarray:
    """A centred majority vote over MAJORITY_S, then runs shorter than
    MIN_RUN_S take the state of the run before them (or after, at the start)."""
    out = states.copy()
    if len(states) == 0:
        return out
    onehot = np.zeros((len(states) + 1, len(STATES)))
    onehot[np.arange(1, len(states) + 1), states] = 1
    cum = np.cumsum(onehot, axis=0)
    lo, hi = _window_bounds(times, MAJORITY_S)
    counts = cum[hi] - cum[lo]
    mine = counts[np.arange(len(states)), states]
    better = counts.max(axis=1) > mine
    out[better] = np.argmax(counts[better], axis=1)
    changed = True
    while changed and len(out):
        changed = False
        runs = _runs(out)
        if len(runs) < 2:
            break
        for k, (a, b) in enumerate(runs):
            if times[b - 1] - times[a] < MIN_RUN_S:
                out[a:b] = out[runs[k - 1][0]] if k > 0 else out[runs[1][0]]
                changed = True
                break
    return out


def _runs(states: np.ndarray) -> list[tuple[int, int]]:
    cuts = np.flatnonzero(np.diff(states)) + 1
    bounds = [0, *cuts.tolist(), len(states)]
    return list(zip(bounds[:-1], bounds[1:]))


@dataclass(frozen=True)
class Segment:
    state: str
    start_s: float
    end_s: float
    cadence_spm: float | None = None  # steps per minute, walking segments only

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


def segments(times: np.ndarray, states: np.ndarray, xy: np.ndarray | None = None) -> list[Segment]:
    """Runs of one state; a run ends where the next begins (the last at the
    last frame plus one frame step). Walking runs get their cadence."""
    if len(times) == 0:
        return []
    step = float(np.median(np.diff(times))) if len(times) > 1 else 0.0
    out = []
    for a, b in _runs(states):
        end = float(times[b]) if b < len(times) else float(times[-1] + step)
        state = STATES[states[a]]
        spm = cadence(times[a:b], xy[a:b]) if state == "walking" and xy is not None else None
        out.append(Segment(state, float(times[a]), end, spm))
    return out


def cadence(times: np.ndarray, xy: np.ndarray, min_s: float = 2.0) -> float | None:
    """Steps per minute from the ankles' alternation: the left-minus-right
    ankle offset along the direction of travel swings once per stride (two
    steps); its period is the first autocorrelation peak between 0.5 s and
    2.4 s (50 to 240 steps per minute). None when the run is shorter than
    `min_s`, the ankles are seen in under 70 % of it, or it is not periodic
    enough (peak correlation under 0.3)."""
    times = np.asarray(times, np.float64)
    if len(times) < 8 or times[-1] - times[0] < min_s:
        return None
    p = posture(xy)
    ok = np.isfinite(p.ankles).all(axis=1) & np.isfinite(p.torso)
    if ok.mean() < 0.7:
        return None
    travel = p.hip[np.isfinite(p.hip).all(axis=1)]
    direction = travel[-1] - travel[0] if len(travel) > 1 else np.zeros(2)
    size = float(np.nanmedian(p.torso))
    if np.linalg.norm(direction) < 0.5 * size:
        direction = np.array([1.0, 0.0])  # walking on the spot: take the image's x
    direction = direction / np.linalg.norm(direction)
    step = float(np.median(np.diff(times)))
    grid = np.arange(times[0], times[-1], step)
    signal = np.interp(grid, times[ok], (p.ankles[ok] @ direction) / p.torso[ok])
    signal = signal - signal.mean()
    if not signal.any():
        return None
    ac = np.correlate(signal, signal, "full")[len(signal) - 1:]
    ac = ac / ac[0] / (1 - np.arange(len(ac)) / len(ac))  # unbiased, normalised
    lo, hi = max(1, int(0.5 / step)), min(len(ac) - 2, int(2.4 / step) + 1)
    for lag in range(lo, hi + 1):
        if ac[lag] >= ac[lag - 1] and ac[lag] >= ac[lag + 1] and ac[lag] > 0.3:
            y0, y1, y2 = ac[lag - 1], ac[lag], ac[lag + 1]
            denom = y0 - 2 * y1 + y2
            shift = 0.5 * (y0 - y2) / denom if denom else 0.0
            stride_s = (lag + shift) * step
            return round(float(120.0 / stride_s), 1)
    return None


def time_in_states(segs: list[Segment]) -> dict[str, float]:
    totals = {s: 0.0 for s in STATES}
    for seg in segs:
        totals[seg.state] += seg.duration_s
    return {k: round(v, 3) for k, v in totals.items()}
