"""The person detector (issue 26) on real media: people found on stills and
carphone, nobody on tree.avi; the model shipped and pinned; no skeleton
without a person box; a lying person found by a turned crop; the boxes
carried in PoseFrame through the people layer."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from app.base.errors import ModelError
from app.base.settings import DetectionSettings
from app.base.types import PoseFrame
from app.media.images import read_image, resize_rgb
from app.people.processor import PeopleProcessor
from app.pose.factory import make_pose_estimator
from app.pose.merge import pose_boxes
from app.pose.person_check import PERSON_SCORE, agreement
from app.pose.person_detector import (
    DETECTOR_FILENAME,
    DETECTOR_SHA256,
    YoloxPersonDetector,
    detector_path,
)
from app.pose.top_down import TopDown
from tests.helpers.clips import frames_of

LOW = dict(min_detection_confidence=0.3, min_presence_confidence=0.3)


@pytest.fixture(scope="module")
def detector():
    d = YoloxPersonDetector(resize=resize_rgb)
    yield d
    d.close()


def _sure(boxes: np.ndarray) -> np.ndarray:
    return boxes[boxes[:, 4] >= PERSON_SCORE]


def test_detector_finds_the_people_of_stills_and_carphone(media, carphone, detector):
    """basketball1: the player (and the one cut by the right edge); messi5:
    the player, the largest box; carphone: the man in every 10th frame."""
    ball = _sure(detector.detect(read_image(media / "basketball1.png")))
    assert len(ball) >= 1 and ball[0, 4] >= 0.7
    _x0, y0, x1, y1 = ball[ball[:, 0].argmin(), :4]  # the player on the left
    assert x1 < 250 and y1 - y0 > 300
    messi = _sure(detector.detect(read_image(media / "messi5.jpg")))
    areas = (messi[:, 2] - messi[:, 0]) * (messi[:, 3] - messi[:, 1])
    biggest = messi[areas.argmax()]
    assert biggest[4] >= 0.7 and biggest[3] - biggest[1] > 200
    for frame in frames_of(carphone, 120)[::10]:
        boxes = detector.detect(frame)
        boxes = boxes[boxes[:, 4] >= 0.6]  # (a tiny box in the car's window scores 0.47)
        assert len(boxes) == 1 and boxes[0, 2] - boxes[0, 0] > 100


def test_detector_finds_nobody_on_tree(tree, detector):
    scores = [detector.detect(f)[:, 4].max(initial=0.0) for f in frames_of(tree)]
    assert max(scores) < PERSON_SCORE


def test_bundled_detector_is_pinned_and_a_damaged_copy_refused(tmp_path, monkeypatch):
    import hashlib
    path = detector_path()
    assert path.name == DETECTOR_FILENAME and path.parent.name == "models"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == DETECTOR_SHA256
    bad = tmp_path / DETECTOR_FILENAME
    shutil.copy(path, bad)
    with bad.open("r+b") as f:
        f.seek(1000)
        f.write(b"\0\0\0\0")
    monkeypatch.setattr("app.pose.model.resource_dirs", lambda: [tmp_path])
    with pytest.raises(ModelError, match="damaged"):
        detector_path()


def test_agreement_needs_the_pose_inside_a_box_of_its_size(media, model_path, detector):
    image = read_image(media / "basketball1.png")
    h, w = image.shape[:2]
    with make_pose_estimator(model_path, DetectionSettings(), video=False, gate=False) as est:
        person = est.detect(image)[0]
    box = _sure(detector.detect(image))
    own = box[np.argmax([agreement(person, b, w, h) for b in box])]
    assert agreement(person, own, w, h) >= 0.9
    # The same box elsewhere, or one four times the body's size around it: no.
    moved = own.copy()
    moved[[0, 2]] += 300
    assert agreement(person, moved, w, h) == 0.0
    cx, cy = (own[0] + own[2]) / 2, (own[1] + own[3]) / 2
    side = 4 * max(own[2] - own[0], own[3] - own[1])
    huge = np.array([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2, 0.9])
    assert agreement(person, huge, w, h) == 0.0


def test_ghosts_on_tree_clutter_need_a_person_box(tree, model_path):
    """2x2 tiles with MediaPipe's confidences at 0.3 draw people on tree.avi's
    leaves (bench/quality.py): without the gate they are reported, and the
    detector's stage alone removes them all."""
    frames = frames_of(tree)
    settings = DetectionSettings(tiles="2x2", **LOW)

    def reported(person_detector: bool) -> int:
        with make_pose_estimator(model_path, settings, resize=resize_rgb, gate=False,
                                 person_detector=person_detector) as est:
            return sum(est.detect(f, round(i * 1000 / 30)).shape[0]
                       for i, f in enumerate(frames))

    assert reported(False) > 0
    assert reported(True) == 0


def test_a_turned_crop_maps_its_landmarks_back_exactly(media, model_path):
    """basketball1's player turned a quarter turn (lying: a box wider than
    tall): the turned crop finds him, and its landmarks land where the
    upright picture's do, turned."""
    image = read_image(media / "basketball1.png")
    with make_pose_estimator(model_path, DetectionSettings(), video=False, gate=False) as est:
        upright = est.detect(image)[0]
    lying = np.ascontiguousarray(np.rot90(image, 1))  # lying[r, c] = image[c, W-1-r]
    h, w = lying.shape[:2]
    # Normalised (x, y) upright -> lying: (y, 1 - x).
    expect = np.stack([upright[:, 1], 1.0 - upright[:, 0]], axis=1)
    x0, y0 = (expect * [w, h]).min(axis=0)
    x1, y1 = (expect * [w, h]).max(axis=0)
    box = np.array([x0, y0, x1, y1, 0.9], np.float32)
    assert x1 - x0 > 1.5 * (y1 - y0)
    td = TopDown(model_path, DetectionSettings(), resize=resize_rgb)
    try:
        person = td.find(lying, box)
        assert person is not None and td.found_turned == 1
    finally:
        td.close()
    seen = (upright[:, 3] > 0.8) & (person[:, 3] > 0.8)
    assert seen.sum() >= 15
    err = np.abs(person[seen, :2] - expect[seen]) * [w, h]
    assert np.median(err) < 12  # pixels, on a body ~400 px long


def test_a_person_on_the_floor_is_found_by_the_turned_crop(media, model_path):
    """gmdcsa24 Subject_1/Fall/14, frames 60-119: the man lies on the floor;
    the gated pose model alone reports him in few frames; the detector's
    box and its turned crop find him in many more."""
    frames = frames_of(media / "gmdcsa24" / "Subject_1" / "Fall" / "14.mp4", 120)[60:]
    fps = 29.66

    def run(person_detector: bool):
        with make_pose_estimator(model_path, DetectionSettings(), resize=resize_rgb,
                                 person_detector=person_detector) as est:
            seen = [est.detect(f, round(i * 1000 / fps)).shape[0] > 0
                    for i, f in enumerate(frames)]
            return sum(seen), (est.top_down.found_turned if person_detector else 0)

    before, _ = run(False)
    after, turned = run(True)
    assert after >= before + 15 and after >= 0.8 * len(frames)
    assert turned > 0


def test_boxes_follow_their_people_through_the_people_layer(carphone, model_path):
    """The stage's boxes reach PoseFrame and stay on their rows when the
    people layer picks, reorders and smooths them."""
    from app.base.settings import PeopleSettings
    frames = frames_of(carphone, 20)
    processor = PeopleProcessor(PeopleSettings(smoothing=0.5), fps=30)
    out = []
    with make_pose_estimator(model_path, DetectionSettings(), resize=resize_rgb) as est:
        for i, f in enumerate(frames):
            lm = est.detect(f, round(i * 1000 / 30))
            assert est.boxes.shape == (lm.shape[0], 5)
            out += processor.push(PoseFrame(i, i / 30, f.shape[1], f.shape[0], lm,
                                            boxes=est.boxes))
    out += processor.flush()
    assert out and all(p.boxes is not None and p.boxes.shape == (p.people, 5) for p in out)
    for pose in out:
        for person, box in zip(pose.landmarks, pose.boxes):
            assert np.isfinite(box).all()
            assert agreement(person, box * [176, 144, 176, 144, 1], 176, 144) > 0
    # select / with_people keep each row's own box.
    pose = out[-1]
    two = pose.with_people(np.concatenate([pose.landmarks, pose.landmarks[:, ::-1] * 0.5]),
                           (pose.ids[0], 99), np.concatenate([pose.valid, pose.valid]))
    assert np.array_equal(two.boxes[0], pose.boxes[0]) and np.isnan(two.boxes[1]).all()
    assert two.select([1]).boxes.shape == (1, 5) and np.isnan(two.select([1]).boxes).all()
    assert pose_boxes(pose.landmarks, 176, 144).shape == (1, 4)


def test_a_stage_that_cannot_start_closes_the_landmarkers_made_before_it(monkeypatch, tmp_path,
                                                                          model_path):
    """Without its detector the person check cannot start; the landmarkers
    already made are closed at once (left to the garbage collector,
    MediaPipe's finaliser deadlocked a test run)."""
    from app.pose.estimator import PoseEstimator
    closed = []
    real_close = PoseEstimator.close

    def close(self):
        closed.append(self)
        real_close(self)
    monkeypatch.setattr(PoseEstimator, "close", close)
    monkeypatch.setattr("app.pose.model.resource_dirs", lambda: [tmp_path])
    with pytest.raises(ModelError, match="missing"):
        make_pose_estimator(model_path, DetectionSettings())
    assert closed and all(e._landmarker is None for e in closed)
