"""Measurements for tests and benchmarks: jitter and lag of smoothed
tracks, duplicate people left after merging tiles."""

from __future__ import annotations

import numpy as np

from app.pose.merge import DuplicateRule, same_person

# For counting what merging left behind: looser, so near misses count too.
COUNT_RULE = DuplicateRule(agree=((0.5, 0.0), (0.1, 0.5)), box_only=0.5)


def jitter_px(track: np.ndarray, skip: int = 5) -> float:
    """Mean over landmarks of the std over frames (pixels) of a still
    person's positions; `track` is (frames, landmarks, 2). The first `skip`
    frames (filter warm-up) are left out."""
    return float(track[skip:].std(axis=0).mean())


def lag_frames(reference: np.ndarray, filtered: np.ndarray, *, skip: int = 10,
               max_lag: float = 6.0, step: float = 0.05) -> float:
    """How many frames `filtered` trails `reference` (both (frames, signals)):
    the shift of the reference, by linear interpolation, that best explains
    the filtered signals (least squares over all signals at once)."""
    frames = np.arange(reference.shape[0], dtype=np.float64)
    t = frames[skip:]
    ref = reference.reshape(len(frames), -1)
    got = filtered.reshape(len(frames), -1)[skip:]
    best, best_err = 0.0, np.inf
    for shift in np.arange(0.0, max_lag + step / 2, step):
        moved = np.stack([np.interp(t - shift, frames, ref[:, k]) for k in range(ref.shape[1])],
                         axis=1)
        err = float(((got - moved) ** 2).mean())
        if err < best_err:
            best, best_err = float(shift), err
    return best


def count_duplicates(landmarks: np.ndarray, width: int, height: int) -> int:
    """Pairs of people in one frame that may be the same person, judged more
    leniently than the merge (COUNT_RULE), so a copy the merge only just kept
    apart still counts (benchmarks and tests: should be ~0 after merging)."""
    n = landmarks.shape[0]
    return sum(same_person(landmarks[i], landmarks[j], width, height, COUNT_RULE)
               for i in range(n) for j in range(i + 1, n))
