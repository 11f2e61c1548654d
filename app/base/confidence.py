"""Which landmarks count: the one confidence rule every layer applies."""

from __future__ import annotations

import numpy as np

from app.base.types import PRESENCE, VISIBILITY

# With fewer confident landmarks than this, a person's box (size, position)
# falls back to all their landmarks: two points make no box.
MIN_CONFIDENT_POINTS = 3


def confident_mask(landmarks: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """(..., 33) bool: visibility and presence both reach `threshold`."""
    return (landmarks[..., VISIBILITY] >= threshold) & (landmarks[..., PRESENCE] >= threshold)


def box_points(points: np.ndarray, confident: np.ndarray) -> np.ndarray:
    """The points a person's box is measured on: the confident ones, or all
    when fewer than MIN_CONFIDENT_POINTS are confident."""
    return points[confident] if confident.sum() >= MIN_CONFIDENT_POINTS else points
