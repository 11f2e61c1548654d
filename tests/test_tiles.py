"""Tiles for distant people: planning, mapping back, merging, and more
people found on real surveillance footage with next to no duplicates."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from app.base.errors import PoseCloakError
from app.base.settings import DetectionSettings, parse_tiles
from app.media.images import resize_rgb
from app.pose.estimator import PoseEstimator
from app.pose.factory import make_pose_estimator
from app.pose.gate import GatedPoseEstimator
from app.pose.merge import merge_duplicates
from app.pose.person_check import PersonCheckedEstimator
from app.pose.tiles import TiledPoseEstimator, auto_grid, plan_tiles
from tests.helpers.measure import count_duplicates
from tests.helpers.people_media import vtest_candidates, vtest_poses


def test_tiles_cover_the_frame_with_overlap():
    assert auto_grid(768, 576) == (3, 2)
    assert auto_grid(1920, 1080) == (4, 2)
    assert auto_grid(1080, 1920) == (2, 4)
    assert auto_grid(176, 144) == (1, 1)  # small frames: the full frame is enough
    tiles = plan_tiles(768, 576, 3, 2)
    assert len(tiles) == 6
    covered = np.zeros((576, 768), int)
    for t in tiles:
        covered[t.y0:t.y1, t.x0:t.x1] += 1
    assert covered.min() >= 1  # every pixel is in some tile
    assert (covered >= 2).mean() > 0.3  # and neighbours share a good strip
    assert min(t.x0 for t in tiles) == 0 and max(t.x1 for t in tiles) == 768
    assert max(t.y1 for t in tiles) == 576


def test_parse_tiles_and_the_estimator_it_makes(model_path):
    assert parse_tiles("auto") == "auto" and parse_tiles("3x2") == (3, 2)
    assert parse_tiles(None) is None and parse_tiles("off") is None
    for bad in ("0x2", "9x1", "3by2", "x"):
        with pytest.raises(PoseCloakError):
            parse_tiles(bad)
    opts = DetectionSettings(max_people=2)
    # The stack (issue 26): person detector's stage > gate > landmarker.
    with make_pose_estimator(model_path, opts, video=False) as est:
        assert isinstance(est, PersonCheckedEstimator)
        assert isinstance(est.inner, GatedPoseEstimator)
        assert isinstance(est.inner.inner, PoseEstimator)
    with make_pose_estimator(model_path, replace(opts, person_detector=False),
                             video=False) as est:
        assert isinstance(est, GatedPoseEstimator) and isinstance(est.inner, PoseEstimator)
    with make_pose_estimator(model_path, opts, video=False, gate=False) as est:
        assert isinstance(est, PoseEstimator)
    with make_pose_estimator(model_path, replace(opts, tiles="2x1"), video=False,
                             resize=resize_rgb) as est:
        assert isinstance(est.inner.inner, TiledPoseEstimator) and est.inner.inner.grid == (2, 1)
    with pytest.raises(ValueError, match="resize"):
        make_pose_estimator(model_path, replace(opts, tiles="2x1"), video=False)
    assert DetectionSettings().people_limit == 4  # CLI and app agree on the defaults
    assert DetectionSettings(tiles="auto").people_limit == 16
    assert DetectionSettings(tiles="auto", max_people=3).people_limit == 3


def _person(cx, cy, size=100.0, seed=0, conf=1.0):
    shape = np.random.default_rng(seed).uniform(-0.5, 0.5, (33, 2)) * size
    lm = np.full((33, 5), conf, np.float32)
    lm[:, :2] = (shape + [cx, cy]) / [800, 600]
    lm[:, 2] = 0.0
    return lm


def test_merge_keeps_one_copy_of_each_person():
    a = _person(200, 300, seed=1)
    a_copy = a.copy()
    a_copy[:, :2] += 3 / 800  # the same person seen from another tile
    a_cut = a.copy()
    a_cut[20:, 3:] = 0.1  # a copy cut off by a tile edge: its lower half is unsure
    a_cut[20:, :2] += 0.2  # (and wrongly placed)
    b = _person(260, 300, seed=2)  # someone else close by
    c = _person(600, 300, size=40, seed=3)  # someone small far off
    found = np.stack([a_cut, b, a_copy, c, a])
    merged = merge_duplicates(found, 800, 600)
    assert merged.shape[0] == 3
    assert any(np.array_equal(m, a) or np.array_equal(m, a_copy) for m in merged)
    assert count_duplicates(found, 800, 600) >= 3 and count_duplicates(merged, 800, 600) == 0
    assert merge_duplicates(found, 800, 600, limit=2).shape[0] == 2


def test_a_small_person_is_found_by_tiles_where_the_full_frame_misses(media, model_path):
    """basketball1's player shrunk to 190 px in a 768x576 scene: the full
    frame misses him, tiles find him, mapped back onto the right place."""
    from app.media.images import read_image
    player = cv2.resize(read_image(media / "basketball1.png")[:, :300], None, fx=0.4, fy=0.4)
    scene = np.full((576, 768, 3), 90, np.uint8)
    y0, x0 = 300, 420
    scene[y0:y0 + player.shape[0], x0:x0 + player.shape[1]] = player
    options = DetectionSettings(max_people=4)
    with PoseEstimator(model_path, options, video=False) as est:
        assert est.detect(scene).shape[0] == 0
    with TiledPoseEstimator(model_path, options, grid="auto", video=False,
                            resize=resize_rgb) as est:
        found = est.detect(scene)
    assert found.shape[0] == 1
    conf = (found[0, :, 3] > 0.5) & (found[0, :, 4] > 0.5)
    px = found[0, conf, :2] * [768, 576]
    assert conf.sum() >= 10
    margin = 10
    assert (px[:, 0] > x0 - margin).all() and (px[:, 0] < x0 + player.shape[1] + margin).all()
    assert (px[:, 1] > y0 - margin).all() and (px[:, 1] < y0 + player.shape[0] + margin).all()


def test_tiles_find_more_people_on_vtest_with_almost_no_duplicates(vtest, model_path):
    full = vtest_poses(vtest, model_path, False)
    tiled = vtest_poses(vtest, model_path, True)
    raw = vtest_candidates(vtest, model_path)
    w, h = tiled[0].width, tiled[0].height
    people_full = np.mean([p.people for p in full])
    people_tiled = np.mean([p.people for p in tiled])
    assert people_tiled >= 2.0 and people_tiled >= 3 * people_full, (people_full, people_tiled)
    dups_before = sum(count_duplicates(c, w, h) for c in raw)
    dups_after = sum(count_duplicates(p.landmarks, w, h) for p in tiled)
    assert dups_before >= len(tiled)  # tiles overlap: the same people are found twice ...
    assert dups_after <= 0.05 * len(tiled)  # ... and merging leaves next to none
    for pose in tiled:  # everything mapped back lands inside the frame
        conf = (pose.landmarks[:, :, 3] > 0.5) & (pose.landmarks[:, :, 4] > 0.5)
        xy = pose.landmarks[conf][:, :2]
        assert ((xy > -0.02) & (xy < 1.02)).all()
