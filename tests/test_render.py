"""Rendering steps, style options, topology and backgrounds (no model needed)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from app.base.landmarks import (
    FACE_LANDMARKS,
    INDEX,
    LANDMARK_NAMES,
    POSE_EDGES,
    Side,
    edge_side,
)
from app.base.settings import FitMode
from app.base.style import RenderStyle, parse_color
from app.base.types import PoseFrame
from app.draw.render import SkeletonRenderer, draw_edges, draw_joints
from app.engine.backgrounds import SolidBackground, fit_image


def _pose(conf: float = 0.9) -> PoseFrame:
    """A plausible standing figure in normalised coordinates."""
    pts = {
        "nose": (0.5, 0.15), "left_eye": (0.52, 0.13), "right_eye": (0.48, 0.13),
        "left_shoulder": (0.6, 0.3), "right_shoulder": (0.4, 0.3),
        "left_elbow": (0.65, 0.45), "right_elbow": (0.35, 0.45),
        "left_wrist": (0.68, 0.58), "right_wrist": (0.32, 0.58),
        "left_hip": (0.57, 0.6), "right_hip": (0.43, 0.6),
        "left_knee": (0.58, 0.78), "right_knee": (0.42, 0.78),
        "left_ankle": (0.58, 0.95), "right_ankle": (0.42, 0.95),
    }
    lm = np.zeros((1, 33, 5), np.float32)
    for i, name in enumerate(LANDMARK_NAMES):
        x, y = pts.get(name, (0.5, 0.14) if i in FACE_LANDMARKS else (0.5, 0.6))
        lm[0, i] = (x, y, 0.0, conf, conf)
    return PoseFrame(index=0, time_s=0.0, width=320, height=240, landmarks=lm, ids=(0,))


BLACK = np.zeros((240, 320, 3), np.uint8)


def test_topology_is_consistent():
    assert len(LANDMARK_NAMES) == 33 and len(POSE_EDGES) == 35
    assert all(0 <= a < 33 and 0 <= b < 33 for a, b in POSE_EDGES)
    assert edge_side((INDEX["left_elbow"], INDEX["left_wrist"])) is Side.LEFT
    assert edge_side((INDEX["left_hip"], INDEX["right_hip"])) is Side.CENTER


def test_colour_parsing():
    assert parse_color("#ff8000") == (255, 128, 0)
    assert parse_color("0,10,255") == (0, 10, 255)
    assert parse_color("white") == (255, 255, 255)
    for bad in ("#12", "300,0,0", "banana"):
        with pytest.raises(ValueError):
            parse_color(bad)


def test_render_draws_in_the_chosen_colour_and_keeps_background():
    style = RenderStyle(color=(255, 0, 0), antialias=False)
    out = SkeletonRenderer(style).render(BLACK, _pose())
    drawn = out.any(axis=2)
    assert drawn.sum() > 500
    colours = {tuple(c) for c in out[drawn]}
    assert colours == {(255, 0, 0)}
    assert not BLACK.any()  # the input canvas is not touched


def test_thickness_and_radius_change_the_picture():
    base = SkeletonRenderer(RenderStyle(thickness=2, joint_radius=2)).render(BLACK, _pose())
    thick = SkeletonRenderer(RenderStyle(thickness=8, joint_radius=2)).render(BLACK, _pose())
    big = SkeletonRenderer(RenderStyle(thickness=2, joint_radius=8)).render(BLACK, _pose())
    count = lambda im: int(im.any(axis=2).sum())  # noqa: E731
    assert count(thick) > 1.5 * count(base)
    assert count(big) > count(base)


def test_low_confidence_is_not_drawn():
    pose = _pose(conf=0.3)
    assert not SkeletonRenderer(RenderStyle(min_confidence=0.5)).render(BLACK, pose).any()
    assert SkeletonRenderer(RenderStyle(min_confidence=0.2)).render(BLACK, pose).any()


def test_face_points_off_draws_nothing_in_the_face():
    on = SkeletonRenderer(RenderStyle(show_face=True)).render(BLACK, _pose())
    off = SkeletonRenderer(RenderStyle(show_face=False)).render(BLACK, _pose())
    face_box = (slice(0, int(0.2 * 240)), slice(int(0.44 * 320), int(0.56 * 320)))
    assert on[face_box].any() and not off[face_box].any()


def test_opacity_blends_with_background():
    grey = np.full_like(BLACK, 100)
    style = RenderStyle(color=(255, 255, 255), opacity=0.5, antialias=False)
    out = SkeletonRenderer(style).render(grey, _pose())
    values = set(np.unique(out))
    assert values <= {100, 177, 178}  # 0.5 * 255 + 0.5 * 100
    assert 177 in values or 178 in values


def test_sided_colours():
    style = RenderStyle(left_color=(0, 255, 0), right_color=(0, 0, 255),
                        center_color=(255, 0, 0), antialias=False, joint_radius=0)
    out = SkeletonRenderer(style).render(BLACK, _pose())
    # Mid-forearm pixels (the person's left is the image's right here).
    left_arm = out[round(0.515 * 240), round(0.665 * 320)]
    right_arm = out[round(0.515 * 240), round(0.335 * 320)]
    assert tuple(left_arm) == (0, 255, 0) and tuple(right_arm) == (0, 0, 255)


def test_steps_compose():
    edges_only = SkeletonRenderer(RenderStyle(), steps=(draw_edges,)).render(BLACK, _pose())
    joints_only = SkeletonRenderer(RenderStyle(), steps=(draw_joints,)).render(BLACK, _pose())
    both = SkeletonRenderer(RenderStyle()).render(BLACK, _pose())
    assert (both.any(axis=2) >= edges_only.any(axis=2)).all()
    assert (both.any(axis=2) >= joints_only.any(axis=2)).all()
    assert not np.array_equal(edges_only, joints_only)


def test_limbs_and_joints_of_one_colour_are_one_union():
    """Where a joint's anti-aliased edge crosses its limb's, the pixel is
    blended once, by the larger coverage: on black each pixel of the whole
    skeleton is the brighter of the limbs alone and the joints alone
    (blended in turn, it was brighter than both: a seam around each joint).
    In several colours the joints still go over the limbs."""
    style = RenderStyle(color=(255, 255, 255))
    edges_only = SkeletonRenderer(style, steps=(draw_edges,)).render(BLACK, _pose())
    joints_only = SkeletonRenderer(style, steps=(draw_joints,)).render(BLACK, _pose())
    both = SkeletonRenderer(style).render(BLACK, _pose())
    assert np.array_equal(both, np.maximum(edges_only, joints_only))
    sided = replace(style, left_color=(0, 255, 0), right_color=(0, 0, 255),
                    center_color=(255, 0, 0))
    in_turn = SkeletonRenderer(sided, steps=(draw_edges, draw_joints)).render(BLACK, _pose())
    assert np.array_equal(SkeletonRenderer(sided).render(BLACK, _pose()), in_turn)


def test_valid_mask_hides_landmarks():
    pose = _pose()
    invalid = np.zeros((1, 33), bool)
    hidden = replace(pose, valid=invalid)
    assert not SkeletonRenderer(RenderStyle()).render(BLACK, hidden).any()


def test_pose_frame_is_immutable():
    pose = _pose()
    with pytest.raises(ValueError):
        pose.landmarks[0, 0, 0] = 1.0
    with pytest.raises(ValueError):
        PoseFrame(index=0, time_s=0, width=1, height=1, landmarks=np.zeros((1, 10, 5)))


@pytest.mark.parametrize("mode,expect_fill", [(FitMode.FIT, True), (FitMode.FILL, False),
                                              (FitMode.STRETCH, False)])
def test_fit_modes(mode, expect_fill):
    img = np.full((100, 400, 3), 200, np.uint8)  # 4:1 into 4:3
    out = fit_image(img, 320, 240, mode, fill=(1, 2, 3))
    assert out.shape == (240, 320, 3)
    corner_is_fill = tuple(out[0, 0]) == (1, 2, 3)
    assert corner_is_fill == expect_fill
    assert tuple(out[120, 160]) == (200, 200, 200)


def test_solid_background_is_read_only():
    bg = SolidBackground((10, 20, 30), 8, 6).frame_at(1.0)
    assert bg.shape == (6, 8, 3) and tuple(bg[0, 0]) == (10, 20, 30)
    with pytest.raises(ValueError):
        bg[0, 0] = 0
