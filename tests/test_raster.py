"""The NumPy rasteriser behind the skeleton drawing, and the label font."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.draw.glyphs import GLYPHS, draw_text, text_width
from app.draw.raster import fill_capsules

WHITE = (255, 255, 255)


def canvas(w: int = 64, h: int = 48) -> np.ndarray:
    return np.zeros((h, w, 3), np.uint8)


def fill_capsule(img, p0, p1, radius, color, antialias=True) -> None:
    fill_capsules(img, np.asarray([p0]), np.asarray([p1]), radius, color, antialias)


def fill_disc(img, centre, radius, color, antialias=True) -> None:
    fill_capsule(img, centre, centre, radius, color, antialias)


def coverage(img: np.ndarray) -> np.ndarray:
    return img[..., 0].astype(float) / 255.0


@pytest.mark.parametrize("radius", [1.0, 2.5, 6.0])
def test_a_disc_covers_its_area_and_is_round(radius):
    img = canvas()
    fill_disc(img, (30.3, 20.6), radius, WHITE)
    # A linear coverage ramp slightly overestimates very small discs.
    assert coverage(img).sum() == pytest.approx(math.pi * radius ** 2, rel=0.1 if radius < 2 else 0.03)
    ys, xs = np.nonzero(img[..., 0] == 255)
    assert np.hypot(xs - 30.3, ys - 20.6).max() <= radius  # fully covered: inside
    far = np.hypot(*np.meshgrid(np.arange(64) - 30.3, np.arange(48) - 20.6)) > radius + 0.8
    assert not img[far].any()


def test_a_line_has_its_thickness_and_round_ends():
    img = canvas(80, 40)
    fill_capsule(img, (10, 20), (70, 20), 3.0, WHITE)
    column = coverage(img)[:, 40]
    assert column.sum() == pytest.approx(6.0, abs=0.05)  # 2 x radius
    assert coverage(img).sum() == pytest.approx(60 * 6 + math.pi * 9, rel=0.03)
    assert not img[:, :6].any() and not img[:, 75:].any()


def test_anti_aliased_edges_are_partial_and_hard_edges_are_not():
    soft, hard = canvas(), canvas()
    fill_capsule(soft, (5.0, 10.3), (55.0, 30.7), 2.2, WHITE)
    fill_capsule(hard, (5.0, 10.3), (55.0, 30.7), 2.2, WHITE, antialias=False)
    assert len(np.unique(soft)) > 10
    assert set(np.unique(hard)) == {0, 255}
    assert abs(coverage(soft).sum() - coverage(hard).sum()) < 0.05 * coverage(soft).sum()


def test_overlapping_shapes_of_one_colour_join_without_seams():
    """The union is painted once: overlap is not blended twice, so drawing a
    shape twice, or a limb and its joint, changes nothing at the overlap."""
    grey = np.full((48, 64, 3), 100, np.uint8)
    once, twice = grey.copy(), grey.copy()
    starts = np.array([[10.0, 10.0]])
    ends = np.array([[50.0, 35.0]])
    fill_capsules(once, starts, ends, 3.0, (200, 0, 0))
    fill_capsules(twice, np.repeat(starts, 2, 0), np.repeat(ends, 2, 0), 3.0, (200, 0, 0))
    assert np.array_equal(once, twice)


def test_sub_pixel_positions_move_the_picture_smoothly():
    a, b = canvas(), canvas()
    fill_disc(a, (30.0, 20.0), 4.0, WHITE)
    fill_disc(b, (30.25, 20.0), 4.0, WHITE)
    _ya, xa = np.indices(a.shape[:2])
    ca, cb = coverage(a), coverage(b)
    centre_a = (xa * ca).sum() / ca.sum()
    centre_b = (xa * cb).sum() / cb.sum()
    assert centre_b - centre_a == pytest.approx(0.25, abs=0.03)


def test_shapes_outside_or_not_finite_are_clipped_or_skipped():
    img = canvas()
    fill_capsule(img, (-100, -100), (-50, -60), 3.0, WHITE)
    fill_capsule(img, (float("nan"), 5), (10, 10), 3.0, WHITE)
    fill_disc(img, (10, 10), 0.0, WHITE)
    assert not img.any()
    fill_capsule(img, (-20, 24), (20, 24), 2.0, WHITE)  # half outside
    assert img[:, :22].any() and not img[:, 24:].any()
    fill_capsules(img, np.zeros((0, 2)), np.zeros((0, 2)), 2.0, WHITE)  # nothing to draw


def test_colour_blends_by_coverage():
    img = np.full((20, 20, 3), 50, np.uint8)
    fill_capsule(img, (2, 10.5), (18, 10.5), 1.5, (250, 50, 150))
    values = img[:, 10]
    assert tuple(values[10]) == (250, 50, 150)
    edge = values[9]  # its centre lies on the edge: half covered
    assert tuple(edge) == (150, 50, 100)
    assert tuple(values[8]) == (50, 50, 50)


def test_a_non_contiguous_canvas_is_refused():
    img = np.zeros((20, 40, 3), np.uint8)[:, ::2]
    with pytest.raises(ValueError):
        fill_disc(img, (5, 5), 2.0, WHITE)


def test_labels_draw_digits_and_hash_within_their_box():
    img = canvas(120, 40)
    draw_text(img, "#12", (10, 30), 18.0, 2.0, WHITE)
    ys, xs = np.nonzero(img[..., 0] > 0)
    assert ys.min() >= 30 - 18 - 2 and ys.max() <= 30 + 2
    assert xs.min() >= 10 - 2 and xs.max() <= 10 + text_width("#12", 18.0) + 2
    assert set(GLYPHS) == set("#0123456789")
    # Every glyph is visible and different from every other.
    shapes = []
    for char in sorted(GLYPHS):
        one = canvas(30, 30)
        draw_text(one, char, (4, 26), 20.0, 2.0, WHITE)
        assert one.any(), char
        shapes.append(one[..., 0] > 127)
    for i in range(len(shapes)):
        for j in range(i + 1, len(shapes)):
            assert (shapes[i] != shapes[j]).sum() > 10


def test_unknown_characters_leave_a_gap():
    img = canvas(120, 40)
    draw_text(img, "A", (10, 30), 18.0, 2.0, WHITE)
    assert not img.any()


def _reference(w: int, h: int, starts, ends, radii, antialias: bool) -> np.ndarray:
    """Coverage of the capsules' union from the distance at every pixel, by
    brute force: what fill_capsules' row sections must reproduce."""
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    best = np.full((h, w), np.inf)
    for (ax, ay), (bx, by), r in zip(starts, ends, radii):
        dx, dy = bx - ax, by - ay
        l2 = dx * dx + dy * dy
        t = np.zeros_like(xs) if l2 == 0 else np.clip(((xs - ax) * dx + (ys - ay) * dy) / l2, 0, 1)
        best = np.minimum(best, np.hypot(xs - ax - t * dx, ys - ay - t * dy) - r)
    return np.clip(0.5 - best, 0, 1) if antialias else (best <= 0).astype(float)


@pytest.mark.parametrize("antialias", [True, False])
def test_row_sections_match_a_brute_force_distance_field(antialias):
    """Every kind of capsule (steep, level, vertical, a dot, a hairline,
    partly off the canvas, overlapping) gives the brute-force picture."""
    rng = np.random.default_rng(3)
    starts = np.vstack([rng.uniform(-10, 90, (40, 2)), [[10, 10], [30, 5], [50, 50], [70.5, 20.25],
                                                        [5, 5]]])
    ends = np.vstack([starts[:40] + rng.normal(0, 15, (40, 2)),
                      [[60, 10], [30, 45], [50, 50], [71.0, 33.0], [75, 55]]])
    radii = np.concatenate([rng.uniform(0.3, 6.0, 40), [2.0, 3.5, 4.2, 0.4, 1.0]])
    img = canvas(80, 60)
    fill_capsules(img, starts, ends, radii, WHITE, antialias)
    expected = np.round(_reference(80, 60, starts, ends, radii, antialias) * 255)
    assert np.abs(img[..., 0].astype(float) - expected).max() <= 1
    assert (img[..., 0] == img[..., 1]).all()
