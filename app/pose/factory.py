"""The pose estimator for a DetectionSettings value: plain, or tiled when
tiles are on. One per thread; the caller closes it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from app.base.settings import DetectionSettings
from app.pose.estimator import PoseEstimator

ResizeFn = Callable[[np.ndarray, int, int], np.ndarray]  # (rgb, width, height) -> rgb


def make_pose_estimator(model_path: Path, detection: DetectionSettings, *, video: bool = True,
                        resize: ResizeFn | None = None):
    """A TiledPoseEstimator when tiles are on (it needs `resize`, given by the
    engine, to enlarge tiles), else a plain PoseEstimator."""
    grid = detection.tile_grid
    if grid is None:
        return PoseEstimator(model_path, detection, video=video)
    if resize is None:
        raise ValueError("tiled detection needs a resize function")
    from app.pose.tiles import TiledPoseEstimator
    return TiledPoseEstimator(model_path, detection, grid=grid, video=video, resize=resize)
