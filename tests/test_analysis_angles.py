"""Motion analysis on landmarks of known geometry: angle conventions, the
zero-lag filter, range of motion, the sitting rule, keypoint schema 1 and 2.
No model needed, except for the seated person built from a real one."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from app.analysis import activity
from app.analysis.angles import (
    ANGLES,
    angles_from_xy,
    lowpass,
    masked_pixels,
    range_of_motion,
)
from app.base.landmarks import INDEX, NUM_LANDMARKS


def _col(label: str) -> int:
    return [a.label for a in ANGLES].index(label)


def _polar(origin, length, degrees_from_down):
    """A point `length` px from `origin`, at an angle from straight down
    (counter-clockwise on screen, image y pointing down)."""
    a = math.radians(degrees_from_down)
    return (origin[0] + length * math.sin(a), origin[1] + length * math.cos(a))


def person(knee=0.0, hip=0.0, elbow=0.0, shoulder=0.0, lean=0.0, ankle=0.0) -> np.ndarray:
    """A side view (facing +x) of a person with the given flexion angles on
    the left side; the right side mirrors the left."""
    xy = np.full((NUM_LANDMARKS, 2), np.nan)
    hip_pt = (300.0, 300.0)
    shoulder_pt = _polar(hip_pt, 200, 180 + lean)  # trunk up, leaning forward by `lean`
    knee_pt = _polar(hip_pt, 180, hip + lean)  # thigh forward by `hip` from the trunk line
    ankle_pt = _polar(knee_pt, 170, hip + lean - knee)
    shank_dir = np.subtract(knee_pt, ankle_pt) / 170
    foot_dir = np.array([shank_dir[1], -shank_dir[0]])  # perpendicular to the shank, forward
    rot = math.radians(ankle)
    foot_dir = np.array([foot_dir[0] * math.cos(rot) + foot_dir[1] * math.sin(rot),
                         -foot_dir[0] * math.sin(rot) + foot_dir[1] * math.cos(rot)])
    if foot_dir[0] < 0:
        foot_dir = -foot_dir
    heel_pt = np.asarray(ankle_pt) - 10 * foot_dir
    toe_pt = np.asarray(ankle_pt) + 50 * foot_dir
    elbow_pt = _polar(shoulder_pt, 120, shoulder + lean)
    wrist_pt = _polar(elbow_pt, 110, shoulder + lean + elbow)
    for side in ("left", "right"):
        for name, pt in (("hip", hip_pt), ("shoulder", shoulder_pt), ("knee", knee_pt),
                         ("ankle", ankle_pt), ("heel", heel_pt), ("foot_index", toe_pt),
                         ("elbow", elbow_pt), ("wrist", wrist_pt)):
            xy[INDEX[f"{side}_{name}"]] = pt
    return xy


def test_angle_conventions_on_known_geometry():
    standing = angles_from_xy(person())
    for a, v in zip(ANGLES, standing):
        assert v == pytest.approx(0.0, abs=1e-6), a.label  # neutral zero everywhere
    bent = angles_from_xy(person(knee=90, hip=60, elbow=45, shoulder=90, lean=20))
    assert bent[_col("left knee flexion")] == pytest.approx(90, abs=1e-6)
    assert bent[_col("right hip flexion")] == pytest.approx(60, abs=1e-6)
    assert bent[_col("left elbow flexion")] == pytest.approx(45, abs=1e-6)
    assert bent[_col("left shoulder flexion")] == pytest.approx(90, abs=1e-6)
    assert bent[_col("trunk lean from vertical")] == pytest.approx(20, abs=1e-6)
    assert bent[_col("left ankle dorsiflexion")] == pytest.approx(0, abs=1e-6)
    # Toes towards the shin: dorsiflexion positive; pointed: negative.
    up = angles_from_xy(person(ankle=15))[_col("left ankle dorsiflexion")]
    down = angles_from_xy(person(ankle=-25))[_col("left ankle dorsiflexion")]
    assert up == pytest.approx(15, abs=1e-6) and down == pytest.approx(-25, abs=1e-6)
    # Arm overhead: 180; lying on the back: trunk lean 90.
    assert angles_from_xy(person(shoulder=180))[_col("left shoulder flexion")] == \
        pytest.approx(180, abs=1e-6)
    assert angles_from_xy(person(lean=90))[_col("trunk lean from vertical")] == \
        pytest.approx(90, abs=1e-6)


def test_angles_use_pixels_and_only_valid_landmarks():
    xy = person(knee=90)
    width, height = 1280, 720
    lm = np.zeros((NUM_LANDMARKS, 5), np.float32)
    lm[:, 0], lm[:, 1] = xy[:, 0] / width, xy[:, 1] / height  # normalised, non-square frame
    valid = np.isfinite(xy[:, 0])
    got = angles_from_xy(masked_pixels(np.nan_to_num(lm), valid, width, height))
    assert got[_col("left knee flexion")] == pytest.approx(90, abs=0.01)
    valid[INDEX["left_ankle"]] = False
    got = angles_from_xy(masked_pixels(np.nan_to_num(lm), valid, width, height))
    assert np.isnan(got[_col("left knee flexion")]) and np.isnan(got[_col("left ankle dorsiflexion")])
    assert got[_col("right knee flexion")] == pytest.approx(90, abs=0.01)
    # One side unseen: the trunk line uses the other.
    valid[INDEX["right_shoulder"]] = valid[INDEX["right_hip"]] = False
    assert np.isfinite(angles_from_xy(masked_pixels(np.nan_to_num(lm), valid, width,
                                                    height))[_col("trunk lean from vertical")])


def _amplitude(signal: np.ndarray, t: np.ndarray, hz: float) -> float:
    return 2 * abs(np.mean(signal * np.exp(-2j * np.pi * hz * t)))


def test_lowpass_is_zero_lag_and_minus_3_db_at_the_cutoff():
    fs = 60.0
    t = np.arange(0, 10, 1 / fs)
    slow = 30 * np.sin(2 * np.pi * 1.0 * t)
    out = lowpass(t, slow + 8 * np.sin(2 * np.pi * 15 * t), 6.0)
    mid = slice(60, -60)  # away from the ends
    assert np.abs(out[mid] - slow[mid]).max() < 0.6  # 1 Hz through, no lag, 15 Hz gone
    assert _amplitude(out[mid], t[mid], 15) < 0.08 * 8
    at_cutoff = lowpass(t, np.sin(2 * np.pi * 6.0 * t), 6.0)
    assert _amplitude(at_cutoff[mid], t[mid], 6.0) == pytest.approx(1 / math.sqrt(2), abs=0.04)
    # Gaps stay gaps, each run is filtered on its own; a variable frame rate works.
    gappy = slow.copy()
    gappy[200:230] = np.nan
    got = lowpass(t, gappy, 6.0)
    assert np.isnan(got[200:230]).all() and np.isfinite(got[:200]).all()
    assert np.abs(got[100:180] - slow[100:180]).max() < 0.6
    vfr = np.sort(np.random.default_rng(1).uniform(0, 10, 500))
    got = lowpass(vfr, 30 * np.sin(2 * np.pi * vfr), 6.0)
    assert np.abs(got[50:-50] - 30 * np.sin(2 * np.pi * vfr[50:-50])).max() < 1.0


def test_range_of_motion():
    t = np.arange(0, 2, 0.1)
    angles = np.full((len(t), len(ANGLES)), np.nan)
    angles[:, 0] = np.linspace(5, 65, len(t))
    rom = range_of_motion(angles, t)
    knee = rom["left knee flexion"]
    assert (knee["min"], knee["max"], knee["mean"], knee["samples"]) == (5.0, 65.0, 35.0, 20)
    assert rom["right knee flexion"]["samples"] == 0 and rom["right knee flexion"]["min"] is None


def test_still_standing_and_seated_geometry():
    t = np.arange(0, 3, 1 / 15)
    standing = np.repeat(person()[None], len(t), axis=0)
    seated = np.repeat(person(hip=90, knee=90)[None], len(t), axis=0)
    lying = np.repeat(person(lean=90)[None], len(t), axis=0)
    for xy, state in ((standing, "standing"), (seated, "sitting"), (lying, "lying")):
        states = activity.smooth_states(t, activity.frame_states(t, xy))
        assert {activity.STATES[s] for s in states} == {state}
    no_legs = standing.copy()
    no_legs[:, [INDEX["left_knee"], INDEX["right_knee"]]] = np.nan
    assert set(activity.frame_states(t, no_legs)) == {activity.STATES.index("unknown")}


def test_keypoint_files_of_version_1_still_analyse(tmp_path):
    from app.base.landmarks import LANDMARK_NAMES
    from app.base.settings import AnalysisSettings
    from app.engine.analysis_files import analyze_keypoint_file
    xy = person()
    frames = []
    for i in range(20):
        frames.append({"index": i, "time_s": i / 10, "people": [{"id": 3, "landmarks": [
            {"name": n, "x": None, "y": None,
             "x_norm": None if np.isnan(xy[k, 0]) else xy[k, 0] / 640,
             "y_norm": None if np.isnan(xy[k, 1]) else xy[k, 1] / 640, "z": 0.0,
             "visibility": 0.9, "presence": 0.9, "valid": bool(np.isfinite(xy[k, 0]))}
            for k, n in enumerate(LANDMARK_NAMES)]}]})
    v1 = {"schema": "posecloak-keypoints", "version": 1, "generator": "posecloak 0.1.0",
          "video": {"width": 640, "height": 640, "fps": 10.0, "frame_count": 20},
          "landmark_names": list(LANDMARK_NAMES), "frames": frames}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(v1))
    analysis = analyze_keypoint_file(path, AnalysisSettings())
    [p] = analysis.people
    assert p.person_id == 3 and [s.state for s in p.segments] == ["standing"]
    assert p.rom["left knee flexion"]["max"] == pytest.approx(0, abs=0.01)
    v1["version"] = 5  # newer than this PoseCloak reads (4 is current)
    path.write_text(json.dumps(v1))
    from app.base.errors import InputError
    with pytest.raises(InputError, match="newer"):
        analyze_keypoint_file(path, AnalysisSettings())


def test_a_real_persons_keypoints_reposed_seated_are_sitting(media, model_path):
    """The shared media hold no seated person (and composited pictures of one
    fool the model, which then sees no knees), so the sitting rule is checked
    on a real person's keypoints: basketball1's standing player, detected by
    the model, with his thighs turned to horizontal about his hips and his
    shins hanging from the new knees (a side view of sitting on a chair)."""
    from app.base.settings import DetectionSettings
    from app.media.images import read_image
    from app.pose.estimator import PoseEstimator
    image = read_image(media / "basketball1.png")[:, :300]
    with PoseEstimator(model_path, DetectionSettings(max_people=1), video=False) as est:
        lm = est.detect(image)
    h, w = image.shape[:2]
    xy = masked_pixels(lm[0], lm[0, :, 3] > 0.5, w, h)
    t = np.arange(0, 3, 1 / 15)
    assert {activity.STATES[s] for s in activity.smooth_states(
        t, activity.frame_states(t, np.repeat(xy[None], len(t), 0)))} == {"standing"}
    seated = xy.copy()
    for side in ("left", "right"):
        hip, knee, ankle = (INDEX[f"{side}_{k}"] for k in ("hip", "knee", "ankle"))
        thigh = np.linalg.norm(xy[knee] - xy[hip])
        shank = xy[ankle] - xy[knee]
        seated[knee] = xy[hip] + (thigh, 0.0)  # thigh horizontal, forward
        for k in (ankle, INDEX[f"{side}_heel"], INDEX[f"{side}_foot_index"]):
            seated[k] = xy[k] - xy[knee] + seated[knee]  # the shin moves with the knee
        assert np.linalg.norm(seated[ankle] - seated[knee]) == pytest.approx(np.linalg.norm(shank))
    states = activity.smooth_states(t, activity.frame_states(t, np.repeat(seated[None], len(t), 0)))
    assert {activity.STATES[s] for s in states} == {"sitting"}
    knee_flexion = angles_from_xy(seated)[_col("left knee flexion")]
    assert 70 < knee_flexion < 110
