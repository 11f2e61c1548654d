"""Landmark smoothing: a One-Euro filter per landmark per person.

The One-Euro filter (Casiez, Roussel and Vogel, CHI 2012) is a low-pass
filter whose cutoff rises with speed: a still person's jitter is filtered
hard (cutoff near `min_cutoff`), a moving limb gets a high cutoff and so
little lag (`beta` says how fast the cutoff rises with speed).

Speeds are measured in person sizes per second (the longer side of the
person's box), so one setting works for a close-up and a distant pedestrian:
MediaPipe's jitter and people's motion both scale with how big they appear.
Time steps come from each frame's `time_s`, so variable-frame-rate video is
filtered correctly.

Strength 0..1 (the user's one knob, `--smooth`) sets the cutoff for a
still pose; the speed response is fixed:

    min_cutoff = 2 Hz * (1/20) ** strength   (2 Hz at 0+, 0.45 Hz at 0.5, 0.1 Hz at 1)
    beta       = 8 Hz per (person size / s) of speed above a dead zone of
                 0.1 person size / s

The dead zone is the speed that MediaPipe's own jitter fakes (about 0.05
person sizes/s after the speed filter, measured on a still person): without
it the jitter itself opens the filter and a still pose is smoothed less.
Real motion (walking, waving: 0.5+ sizes/s) is far above it, so a stronger
setting calms a still pose more while the lag on motion stays about one
frame at 30 fps (bench/smoothing.py measures both). Strength 0 is off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from app.base.confidence import confident_mask
from app.base.types import PoseFrame, X, Y, Z
from app.people.tracking import person_size

D_CUTOFF_HZ = 1.0  # cutoff for the speed estimate itself (the paper's default)


@dataclass(frozen=True)
class OneEuroParams:
    min_cutoff: float  # Hz
    beta: float  # cutoff increase (Hz) per (person size / s) of speed
    d_cutoff: float = D_CUTOFF_HZ
    dead_zone: float = 0.1  # person sizes / s of speed taken as jitter


def params_for_strength(strength: float) -> OneEuroParams | None:
    """The filter for a user strength 0..1; None for 0 (off)."""
    if not 0.0 <= strength <= 1.0:
        raise ValueError("smoothing strength must be between 0 and 1")
    if strength <= 0.0:
        return None
    return OneEuroParams(min_cutoff=2.0 * (1 / 20) ** strength, beta=8.0)


def _alpha(cutoff: np.ndarray | float, dt: np.ndarray) -> np.ndarray:
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff))
    return 1.0 / (1.0 + tau / dt)


def one_euro_step(x: np.ndarray, x_prev: np.ndarray, dx_prev: np.ndarray, dt: np.ndarray,
                  size: np.ndarray, params: OneEuroParams) -> tuple[np.ndarray, np.ndarray]:
    """One filter step for many signals at once.

    x, x_prev, dx_prev: (people, landmarks, dims) in pixels; dt: (people,)
    seconds; size: (people,) pixels. The first two dims are x and y, whose
    speed sets the cutoff; further dims (z) follow the same cutoff.
    Returns the filtered values and the filtered derivative.
    """
    dt = np.maximum(dt, 1e-6)[:, None, None]
    dx = (x - x_prev) / dt
    dx_hat = dx_prev + _alpha(params.d_cutoff, dt) * (dx - dx_prev)
    speed = np.linalg.norm(dx_hat[..., :2], axis=-1, keepdims=True) / size[:, None, None]
    speed = np.maximum(speed - params.dead_zone, 0.0)
    cutoff = params.min_cutoff + params.beta * speed
    x_hat = x_prev + _alpha(cutoff, dt) * (x - x_prev)
    return x_hat, dx_hat


class _State:
    __slots__ = ("x", "dx", "time_s", "absent")

    def __init__(self, x: np.ndarray, time_s: float) -> None:
        self.x, self.dx, self.time_s, self.absent = x, np.zeros_like(x), time_s, 0


class PoseSmoother:
    """Smooths x, y and z of every tracked person (rows need IDs >= 0;
    untracked rows pass through). Visibility, presence and validity are
    left as they are. A person's filter is reset when they have been absent
    for more than `memory_frames` frames (their track was lost; IDs are not
    reused, so a new person always starts fresh).

    One instance per video, one thread; frames in display order.
    """

    def __init__(self, params: OneEuroParams, fps: float = 30.0, memory_frames: int = 10,
                 min_confidence: float = 0.5) -> None:
        self.params = params
        self.min_confidence = min_confidence  # which landmarks measure a person's size
        self.default_dt = 1.0 / fps if fps > 0 else 1.0 / 30
        self.memory_frames = memory_frames
        self._states: dict[int, _State] = {}

    def reset(self, person_id: int | None = None) -> None:
        if person_id is None:
            self._states.clear()
        else:
            self._states.pop(person_id, None)

    def apply(self, pose: PoseFrame) -> PoseFrame:
        # World landmarks ride along as three more dims with the pixels' cutoff,
        # so the figure a standard body is built from is as steady as the picture.
        scale = np.array([pose.width, pose.height, pose.width, 1.0, 1.0, 1.0], np.float64)
        values = np.concatenate([pose.landmarks[:, :, [X, Y, Z]], pose.world_or_nan()],
                                axis=2).astype(np.float64) * scale
        out = values.copy()
        rows = [r for r in range(pose.people) if pose.ids[r] >= 0]
        fresh = [r for r in rows if pose.ids[r] not in self._states]
        going = [r for r in rows if pose.ids[r] in self._states]
        if going:
            states = [self._states[pose.ids[r]] for r in going]
            dt = np.array([pose.time_s - s.time_s for s in states])
            dt = np.where(dt > 0, dt, self.default_dt)  # repeated stamps: assume one frame
            conf = confident_mask(pose.landmarks[going], self.min_confidence) & pose.valid[going]
            size = np.array([person_size(values[r, :, :2], conf[k]) for k, r in enumerate(going)])
            x_hat, dx_hat = one_euro_step(values[going], np.stack([s.x for s in states]),
                                          np.stack([s.dx for s in states]), dt, size, self.params)
            # A value that was missing before starts afresh (NaN would stay NaN).
            x_hat = np.where(np.isnan(x_hat), values[going], x_hat)
            dx_hat = np.where(np.isnan(dx_hat), 0.0, dx_hat)
            out[going] = x_hat
            for k, s in enumerate(states):
                s.x, s.dx, s.time_s, s.absent = x_hat[k], dx_hat[k], pose.time_s, 0
        for r in fresh:
            self._states[pose.ids[r]] = _State(values[r], pose.time_s)
        present = {pose.ids[r] for r in rows}
        for pid in list(self._states):
            if pid not in present:
                state = self._states[pid]
                state.absent += 1
                if state.absent > self.memory_frames:
                    del self._states[pid]
        if not going:
            return pose
        landmarks = pose.landmarks.copy()
        out = (out / scale).astype(np.float32)
        landmarks[:, :, [X, Y, Z]] = out[..., :3]
        return pose.with_people(landmarks, pose.ids, pose.valid,
                                world=None if pose.world is None else out[..., 3:])
