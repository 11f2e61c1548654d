"""The pose estimator for a DetectionSettings value: plain, or tiled when
tiles are on, behind the quality gate (app/pose/gate.py), behind the person
detector's stage (app/pose/person_check.py) when it is on. One per thread;
the caller closes it."""

from __future__ import annotations

from pathlib import Path

from app.base.settings import DetectionSettings
from app.pose.estimator import PoseEstimator
from app.pose.protocol import PoseEstimating
from app.pose.windows import ResizeFn


def make_pose_estimator(model_path: Path, detection: DetectionSettings, *, video: bool = True,
                        resize: ResizeFn | None = None, gate: bool = True,
                        person_detector: bool | None = None) -> PoseEstimating:
    """A TiledPoseEstimator when tiles are on (it needs `resize`, given by the
    engine, to enlarge tiles), else a plain PoseEstimator; inside a
    GatedPoseEstimator unless `gate` is false (benchmarks compare the two);
    inside a PersonCheckedEstimator (with top-down crops) when
    `person_detector` (default: the settings' own, and off with the gate) is on."""
    grid = detection.tile_grid
    inner: PoseEstimating
    if grid is None:
        inner = PoseEstimator(model_path, detection, video=video)
    elif resize is None:
        raise ValueError("tiled detection needs a resize function")
    else:
        from app.pose.tiles import TiledPoseEstimator
        inner = TiledPoseEstimator(model_path, detection, grid=grid, video=video, resize=resize)
    built: list[PoseEstimating] = [inner]  # what to close should a later stage fail to start
    try:
        return _wrapped(built, model_path, detection, video, resize, gate, person_detector)
    except BaseException:
        # A stage that cannot start (the person detector missing) must not
        # leave a landmarker open: MediaPipe's finaliser can deadlock.
        built[-1].close()
        raise


def _wrapped(built: list[PoseEstimating], model_path: Path, detection: DetectionSettings,
             video: bool, resize: ResizeFn | None, gate: bool,
             person_detector: bool | None) -> PoseEstimating:
    """`built[-1]` behind the quality gate and the person check, as asked;
    each stage made is appended to `built`."""
    grid = detection.tile_grid
    inner = built[-1]
    if gate:
        from app.pose.gate import GatedPoseEstimator
        inner = GatedPoseEstimator(inner, model_path, detection, video=video, resize=resize)
        built.append(inner)
    if person_detector is None:  # `gate=False` asks for the pose model's raw opinion
        person_detector = detection.person_detector and gate
    if not person_detector:
        return inner
    from app.pose.person_check import PersonCheckedEstimator
    from app.pose.person_detector import YoloxPersonDetector
    from app.pose.top_down import NEAR_SHARE, TopDown
    return PersonCheckedEstimator(
        inner, lambda: YoloxPersonDetector(resize=resize), video=video,
        limit=detection.people_limit,
        # Distant-people mode crops small people too (app/pose/top_down.py).
        top_down=TopDown(model_path, detection, resize=resize,
                         min_share=0.0 if grid is not None else NEAR_SHARE))
