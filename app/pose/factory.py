"""The pose estimator for a DetectionSettings value: plain, or tiled when
tiles are on, behind the quality gate (app/pose/gate.py). One per thread;
the caller closes it."""

from __future__ import annotations

from pathlib import Path

from app.base.settings import DetectionSettings
from app.pose.estimator import PoseEstimator
from app.pose.protocol import PoseEstimating
from app.pose.windows import ResizeFn


def make_pose_estimator(model_path: Path, detection: DetectionSettings, *, video: bool = True,
                        resize: ResizeFn | None = None, gate: bool = True) -> PoseEstimating:
    """A TiledPoseEstimator when tiles are on (it needs `resize`, given by the
    engine, to enlarge tiles), else a plain PoseEstimator; inside a
    GatedPoseEstimator unless `gate` is false (benchmarks compare the two)."""
    grid = detection.tile_grid
    inner: PoseEstimating
    if grid is None:
        inner = PoseEstimator(model_path, detection, video=video)
    elif resize is None:
        raise ValueError("tiled detection needs a resize function")
    else:
        from app.pose.tiles import TiledPoseEstimator
        inner = TiledPoseEstimator(model_path, detection, grid=grid, video=video, resize=resize)
    if not gate:
        return inner
    from app.pose.gate import GatedPoseEstimator
    return GatedPoseEstimator(inner, model_path, detection, video=video, resize=resize)
