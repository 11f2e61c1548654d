"""Shared test fixtures: the real model and real media from ../shared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("POSECLOAK_SHARED", ROOT.parent / "shared"))
MEDIA = SHARED / "media"
MODEL = SHARED / "models" / "pose_landmarker_full.task"
FACE_CASCADE = SHARED / "detectors" / "haarcascade_frontalface_default.xml"

# Tests always use the shared model (never a download) and an offscreen Qt.
os.environ.setdefault("POSECLOAK_MODEL", str(MODEL))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def model_path() -> Path:
    path = Path(os.environ["POSECLOAK_MODEL"])
    assert path.is_file(), f"test model missing: {path}"
    return path


@pytest.fixture(scope="session")
def gpu_starts(model_path) -> bool:
    """Whether MediaPipe's GPU delegate starts here (on CI's machines it
    does not, so the fallback is tested for real)."""
    from app.base.settings import DetectionSettings
    from app.pose.estimator import PoseEstimator
    with PoseEstimator(model_path, DetectionSettings(device="gpu")) as estimator:
        return estimator.device == "gpu"


@pytest.fixture(scope="session")
def media() -> Path:
    assert MEDIA.is_dir(), f"test media missing: {MEDIA}"
    return MEDIA


@pytest.fixture(scope="session")
def carphone(media) -> Path:
    return media / "carphone_pristine.mp4"


@pytest.fixture(scope="session")
def vtest(media) -> Path:
    return media / "vtest.avi"


@pytest.fixture(scope="session")
def tree(media) -> Path:
    return media / "tree.avi"


@pytest.fixture(scope="session")
def face_cascade() -> Path:
    return FACE_CASCADE
