"""The pose estimator for a settings value, with the media layer's scaler
for enlarging tiles (the pose layer itself does no media work)."""

from __future__ import annotations

from pathlib import Path

from app.base.settings import DetectionSettings
from app.pose.factory import make_pose_estimator


def open_estimator(model_path: Path, detection: DetectionSettings, *, video: bool = True):
    """A new estimator; belongs to the calling thread, which closes it."""
    from app.media.images import resize_rgb
    return make_pose_estimator(model_path, detection, video=video, resize=resize_rgb)
