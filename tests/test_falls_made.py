"""The fall detector on stick figures the test makes itself (no model): the
cases the real clips do not hold. A body collapsing to the floor is a fall;
sitting down fast on a chair, squatting and rising, a skeleton lying from
the start (a bicycle on the ground), a person whose legs leave the
picture, and a body tipped over stiffly in 4 s are not."""

from __future__ import annotations

import numpy as np

from app.analysis.events import falls
from app.base.landmarks import INDEX

FPS = 30
TORSO = 100.0  # pixels
FLOOR = 450.0  # the feet's y


def figure(hip: tuple[float, float], trunk_deg: float, thigh_deg: float,
           shank_deg: float, torso: float = TORSO) -> np.ndarray:
    """(33, 2) pixels, NaN except shoulders, hips, knees, ankles, heels and
    the nose: segment angles from straight down (thigh, shank) or straight
    up (trunk), degrees, positive to the right."""
    xy = np.full((33, 2), np.nan)

    def at(origin, length, deg, up):
        r = np.radians(deg)
        d = np.array([np.sin(r), -np.cos(r) if up else np.cos(r)])
        return np.asarray(origin, float) + length * d

    h = np.asarray(hip, float)
    shoulder = at(h, torso, trunk_deg, up=True)
    knee = at(h, 0.9 * torso, thigh_deg, up=False)
    ankle = at(knee, 0.9 * torso, shank_deg, up=False)
    for side, dx in (("left", 12.0), ("right", -12.0)):
        off = np.array([dx, 0.0])
        xy[INDEX[f"{side}_shoulder"]] = shoulder + off
        xy[INDEX[f"{side}_hip"]] = h + off
        xy[INDEX[f"{side}_knee"]] = knee + off
        xy[INDEX[f"{side}_ankle"]] = ankle + off
        xy[INDEX[f"{side}_heel"]] = ankle + off + np.array([0.0, 5.0])
    xy[INDEX["nose"]] = at(shoulder, 0.3 * torso, trunk_deg, up=True)
    return xy


def standing(x: float = 300.0) -> np.ndarray:
    return figure((x, FLOOR - 1.8 * TORSO), 0, 0, 0)


def clip(keys: list[tuple[float, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Times and (n, 33, 2) poses, linear between (time, pose) keyframes."""
    t = np.arange(0, keys[-1][0], 1 / FPS)
    kt = [k[0] for k in keys]
    poses = np.stack([k[1] for k in keys])
    out = np.empty((len(t), 33, 2))
    for p in range(33):
        for c in range(2):
            out[:, p, c] = np.interp(t, kt, poses[:, p, c])
    return t, out


def found(times: np.ndarray, xy: np.ndarray) -> list:
    return falls(0, times, xy, np.full(len(times), 0.9))


def test_a_fast_collapse_to_the_floor_is_a_fall():
    on_floor = figure((330.0, FLOOR - 0.3 * TORSO), 80, 100, 90)
    t, xy = clip([(0, standing()), (2.0, standing()), (2.7, on_floor), (6.0, on_floor)])
    [fall] = found(t, xy)
    assert 1.8 <= fall.time_s <= 2.2


def test_sitting_down_fast_on_a_chair_is_no_fall():
    seated = figure((300.0, FLOOR - 0.9 * TORSO), 5, 90, 0)
    t, xy = clip([(0, standing()), (2.0, standing()), (2.4, seated), (6.0, seated)])
    assert found(t, xy) == []


def test_squatting_and_rising_is_no_fall():
    squat = figure((300.0, FLOOR - 0.5 * TORSO), 40, 120, -30)  # leaning forward
    keys = [(0, standing())]
    for k in range(3):
        keys += [(1.0 + 1.6 * k, standing()), (1.6 + 1.6 * k, squat), (1.9 + 1.6 * k, squat)]
    keys += [(6.0, standing()), (7.0, standing())]
    t, xy = clip(keys)
    assert found(t, xy) == []


def test_a_skeleton_lying_from_the_start_is_no_fall():
    # What a bicycle on the ground can look like to a pose model.
    lying = figure((300.0, FLOOR - 0.2 * TORSO), 90, 90, 90)
    jitter = np.random.default_rng(0).normal(0, 2.0, (1, 33, 2))
    t, xy = clip([(0, lying), (8.0, lying + jitter[0])])
    assert found(t, xy) == []


def test_legs_leaving_the_picture_is_no_fall():
    # Walking towards the camera: the body grows and the hips go down in the
    # picture until the legs, then the hips, are cut off by the frame.
    near = figure((300.0, 600.0), 0, 0, 0, torso=180.0)
    t, xy = clip([(0, standing()), (1.0, standing()), (2.5, near), (5.0, near)])
    xy = xy.copy()
    for i, y in enumerate(xy[:, :, 1]):
        xy[i, y > 480] = np.nan  # under the frame's bottom edge
    assert found(t, xy) == []


def test_tipping_over_stiffly_in_four_seconds_is_no_fall():
    # The made clip of lying down slowly (bench/analysis.py): a rigid body
    # turning about its feet is a controlled descent when this slow.
    frames = []
    t = np.arange(0, 8.0, 1 / FPS)
    for time in t:
        deg = float(np.clip((time - 1.0) / 4.0, 0, 1) * 90)
        r = np.radians(deg)
        hip = np.array([300.0, FLOOR]) + 1.8 * TORSO * np.array([np.sin(r), -np.cos(r)])
        frames.append(figure(tuple(hip), deg, -deg, -deg))
    assert found(t, np.stack(frames)) == []
