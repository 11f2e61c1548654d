"""Joint and segment angles with stated conventions, a zero-lag low-pass
filter, and range of motion. The one place in the app that computes angles
(the live plots use it too).

Conventions (degrees, in the image plane, from pixel coordinates so that a
non-square frame does not bend them). They follow clinical goniometry's
neutral-zero method, as Sports2D does: 0 is the anatomical standing posture.

- knee flexion: 180 - the angle hip-knee-ankle (0 = straight leg)
- hip flexion: 180 - the angle shoulder-hip-knee on the same side; the
  shoulder-hip line stands in for the goniometer's lateral trunk line
  (0 = standing, about 90 = seated)
- ankle dorsiflexion: 90 - the angle between the shank (ankle to knee) and
  the foot (heel to toe); positive = toes towards the shin, negative =
  plantarflexion
- elbow flexion: 180 - the angle shoulder-elbow-wrist (0 = straight arm)
- shoulder flexion: the angle between the trunk line (shoulder to hip) and
  the upper arm (shoulder to elbow) (0 = arm hanging, 90 = arm horizontal,
  180 = arm overhead); in a side view this is flexion, in a front view it is
  abduction
- trunk lean: the angle of the line mid-hip -> mid-shoulder from the image's
  vertical (0 = upright, 90 = horizontal); where one side is not seen, that
  end of the line uses the side that is

2D angles are unsigned except the ankle's: a single camera cannot tell
flexion from hyperextension without knowing which way the person faces.
An angle is NaN wherever one of its landmarks is not valid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.base.landmarks import INDEX
from app.base.nanstats import nan_mean

_PASS_CORRECTION = 0.802  # Winter: a 2nd-order filter run twice is -3 dB at fc / 0.802


@dataclass(frozen=True)
class AngleDef:
    name: str  # "left knee": the joint or segment
    measure: str  # "flexion", "dorsiflexion", "lean from vertical"
    kind: str  # how `points` are used (see angles_from_xy)
    points: tuple[int, ...]

    @property
    def label(self) -> str:
        return f"{self.name} {self.measure}"


def _side(side: str) -> list[AngleDef]:
    i = {k: INDEX[f"{side}_{k}"] for k in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle",
                                            "heel", "foot_index")}
    return [
        AngleDef(f"{side} knee", "flexion", "flexion", (i["hip"], i["knee"], i["ankle"])),
        AngleDef(f"{side} hip", "flexion", "flexion", (i["shoulder"], i["hip"], i["knee"])),
        AngleDef(f"{side} ankle", "dorsiflexion", "dorsiflexion",
                 (i["knee"], i["ankle"], i["heel"], i["foot_index"])),
        AngleDef(f"{side} elbow", "flexion", "flexion", (i["shoulder"], i["elbow"], i["wrist"])),
        AngleDef(f"{side} shoulder", "flexion", "between", (i["hip"], i["shoulder"], i["elbow"])),
    ]


def _interleave(left: list[AngleDef], right: list[AngleDef]) -> tuple[AngleDef, ...]:
    return tuple(a for pair in zip(left, right) for a in pair)


TRUNK = AngleDef("trunk", "lean from vertical", "lean",
                 (INDEX["left_hip"], INDEX["right_hip"], INDEX["left_shoulder"],
                  INDEX["right_shoulder"]))
ANGLES: tuple[AngleDef, ...] = _interleave(_side("left"), _side("right")) + (TRUNK,)
ANGLE_NAMES: tuple[str, ...] = tuple(a.name for a in ANGLES)


def _between(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Unsigned angle between vectors (..., 2) in degrees; NaN propagates."""
    cross = u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]
    dot = (u * v).sum(axis=-1)
    return np.degrees(np.arctan2(np.abs(cross), dot))


def midpoint(xy: np.ndarray, a: int, b: int) -> np.ndarray:
    """The middle of landmarks a and b (..., 2); the one seen where only one is."""
    return nan_mean(np.stack([xy[..., a, :], xy[..., b, :]]), axis=0)  # neither: NaN


def angles_from_xy(xy: np.ndarray) -> np.ndarray:
    """Angles (..., len(ANGLES)) from pixel positions (..., 33, 2) that are NaN
    where a landmark is not valid."""
    xy = np.asarray(xy, np.float64)
    out = np.empty(xy.shape[:-2] + (len(ANGLES),))
    for k, a in enumerate(ANGLES):
        p = a.points
        if a.kind == "flexion":
            out[..., k] = 180.0 - _between(xy[..., p[0], :] - xy[..., p[1], :],
                                           xy[..., p[2], :] - xy[..., p[1], :])
        elif a.kind == "between":
            out[..., k] = _between(xy[..., p[0], :] - xy[..., p[1], :],
                                   xy[..., p[2], :] - xy[..., p[1], :])
        elif a.kind == "dorsiflexion":
            out[..., k] = 90.0 - _between(xy[..., p[0], :] - xy[..., p[1], :],
                                          xy[..., p[3], :] - xy[..., p[2], :])
        else:
            out[..., k] = trunk_lean(xy)
    return out


def trunk_lean(xy: np.ndarray) -> np.ndarray:
    """Degrees of the line mid-hip -> mid-shoulder from the image's up (0, -1)."""
    p = TRUNK.points
    trunk = midpoint(xy, p[2], p[3]) - midpoint(xy, p[0], p[1])
    return _between(trunk, np.array([0.0, -1.0]))


def masked_pixels(landmarks: np.ndarray, valid: np.ndarray, width: int, height: int) -> np.ndarray:
    """(..., 33, 2) pixel positions from normalised landmarks, NaN where not valid."""
    xy = np.asarray(landmarks, np.float64)[..., :2] * np.array([width, height], np.float64)
    return np.where(np.asarray(valid, bool)[..., None], xy, np.nan)


# --------------------------------------------------------------------------
# zero-lag low-pass filter


def effective_cutoff(cutoff_hz: float, sample_rate: float) -> float:
    """The cutoff actually used: at most 0.4 x the sample rate, where the
    corrected double-pass filter still lies below the Nyquist frequency."""
    return float(min(cutoff_hz, 0.4 * sample_rate))


def _biquad(cutoff_hz: float, sample_rate: float) -> tuple[float, ...]:
    """2nd-order Butterworth low-pass (bilinear transform, pre-warped),
    its cutoff raised so that the forward-backward pair is -3 dB at cutoff_hz."""
    k = np.tan(np.pi * (cutoff_hz / _PASS_CORRECTION) / sample_rate)
    norm = 1.0 / (1.0 + np.sqrt(2.0) * k + k * k)
    b0 = k * k * norm
    return (b0, 2 * b0, b0, 2.0 * (k * k - 1.0) * norm, (1.0 - np.sqrt(2.0) * k + k * k) * norm)


def _one_pass(x: list[float], coeffs: tuple[float, ...]) -> list[float]:
    b0, b1, b2, a1, a2 = coeffs
    # Direct form II transposed, started in the steady state of the first
    # value (as scipy's filtfilt does), so the ends do not ring.
    z1, z2 = (1.0 - b0) * x[0], (b2 - a2) * x[0]
    out = []
    for v in x:
        y = b0 * v + z1
        z1 = b1 * v - a1 * y + z2
        z2 = b2 * v - a2 * y
        out.append(y)
    return out


def _filtfilt(x: np.ndarray, coeffs: tuple[float, ...]) -> np.ndarray:
    pad = min(len(x) - 1, 9)
    # Odd reflection at both ends keeps the slope there (scipy's default).
    ext = np.concatenate([2 * x[0] - x[pad:0:-1], x, 2 * x[-1] - x[-2:-pad - 2:-1]])
    y = _one_pass(ext.tolist(), coeffs)
    y = _one_pass(y[::-1], coeffs)[::-1]
    return np.asarray(y[pad:pad + len(x)])


def _runs(finite: np.ndarray) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate([[0], finite.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def lowpass(times: np.ndarray, values: np.ndarray, cutoff_hz: float) -> np.ndarray:
    """Zero-lag (forward-backward) Butterworth low-pass of `values` (n,) or
    (n, k) sampled at `times`, filtering each unbroken run of finite values
    on its own (gaps stay NaN; no value is invented across a gap). Variable
    frame rates are resampled to a uniform grid and back. Runs shorter than
    four samples are left as they are."""
    times = np.asarray(times, np.float64)
    values = np.asarray(values, np.float64)
    if values.ndim == 2:
        return np.stack([lowpass(times, values[:, j], cutoff_hz)
                         for j in range(values.shape[1])], axis=1) if values.size else values.copy()
    out = values.copy()
    if cutoff_hz <= 0 or len(times) < 4:
        return out
    for a, b in _runs(np.isfinite(values)):
        if b - a < 4:
            continue
        t, v = times[a:b], values[a:b]
        step = float(np.median(np.diff(t)))
        if step <= 0:
            continue
        rate = 1.0 / step
        coeffs = _biquad(effective_cutoff(cutoff_hz, rate), rate)
        if np.ptp(np.diff(t)) > 0.01 * step:  # variable frame rate
            grid = np.arange(t[0], t[-1] + step / 2, step)
            out[a:b] = np.interp(t, grid, _filtfilt(np.interp(grid, t, v), coeffs))
        else:
            out[a:b] = _filtfilt(v, coeffs)
    return out


def sample_rate(times: np.ndarray) -> float:
    """Frames per second from timestamps (median spacing); 0 for fewer than two."""
    d = np.diff(np.asarray(times, np.float64))
    d = d[d > 0]
    return float(1.0 / np.median(d)) if d.size else 0.0


# --------------------------------------------------------------------------
# range of motion


def range_of_motion(angles: np.ndarray, times: np.ndarray) -> dict[str, dict]:
    """{label: {min, max, mean, samples, seconds}} over the finite values of
    each angle column; None values where an angle was never measured."""
    rom = {}
    step = float(np.median(np.diff(times))) if len(times) > 1 else 0.0
    for k, a in enumerate(ANGLES):
        col = angles[:, k] if angles.size else np.empty(0)
        good = col[np.isfinite(col)]
        if good.size:
            rom[a.label] = {"min": round(float(good.min()), 2), "max": round(float(good.max()), 2),
                            "mean": round(float(good.mean()), 2), "samples": int(good.size),
                            "seconds": round(good.size * step, 3)}
        else:
            rom[a.label] = {"min": None, "max": None, "mean": None, "samples": 0, "seconds": 0.0}
    return rom
