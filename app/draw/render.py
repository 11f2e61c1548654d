"""Composable drawing steps that paint a skeleton layer onto a canvas.

A step is a callable (canvas, people, style, scale) -> None drawing in place
on an RGB uint8 canvas; `SkeletonRenderer` runs its steps in order. Only
landmarks flagged valid are drawn, so no step needs to know about confidence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from app.base.landmarks import (
    FACE_LANDMARKS,
    NUM_LANDMARKS,
    POSE_EDGES,
    Side,
    edge_side,
    landmark_side,
)
from app.base.style import PERSON_PALETTE, RGB, RenderStyle
from app.base.types import PoseFrame
from app.draw.glyphs import draw_text
from app.draw.raster import blend_images, fill_capsules


@dataclass(frozen=True)
class Person:
    """One person ready to draw: pixel positions, validity and ID."""

    points: np.ndarray  # (33, 2) float32, output pixels
    valid: np.ndarray  # (33,) bool
    person_id: int
    row: int


DrawStep = Callable[[np.ndarray, Sequence[Person], RenderStyle, float], None]


def _color_for(style: RenderStyle, person: Person, side: Side) -> tuple[int, int, int]:
    if style.color_by_person and person.person_id >= 0:
        return PERSON_PALETTE[person.person_id % len(PERSON_PALETTE)]
    if style.sided:
        chosen: RGB | None = {
            Side.LEFT: style.left_color, Side.RIGHT: style.right_color,
            Side.CENTER: style.center_color,
        }[side]
        return chosen if chosen is not None else style.color
    return style.color


# The topology as index arrays, with each edge's and landmark's side, so a
# frame's shapes are gathered with a few array operations per person and
# side rather than a Python step per limb.
_EDGE_A = np.array([a for a, _ in POSE_EDGES], np.intp)
_EDGE_B = np.array([b for _, b in POSE_EDGES], np.intp)
_SIDES = (Side.LEFT, Side.RIGHT, Side.CENTER)
_EDGE_SIDE = np.array([_SIDES.index(edge_side(e)) for e in POSE_EDGES], np.int8)
_POINT_SIDE = np.array([_SIDES.index(landmark_side(i)) for i in range(NUM_LANDMARKS)], np.int8)


Shapes = dict[tuple[int, int, int], list]  # colour -> [(starts, ends, radius), ...]


def _paint_by_color(canvas: np.ndarray, shapes: Shapes, antialias: bool) -> None:
    """Paints {colour: [(starts, ends, radius), ...]} capsules, one union per
    colour (radii may differ within one)."""
    for color, parts in shapes.items():
        starts = np.concatenate([p[0] for p in parts])
        ends = np.concatenate([p[1] for p in parts])
        radii = np.concatenate([np.full(len(p[0]), p[2]) for p in parts])
        fill_capsules(canvas, starts, ends, radii, color, antialias)


def _by_side(shapes: Shapes, style: RenderStyle, person: Person, sides: np.ndarray,
             chosen: np.ndarray, starts: np.ndarray, ends: np.ndarray, radius: float) -> None:
    """Files the chosen shapes of one person under their colours."""
    if not style.sided and not style.color_by_person:  # one colour for all (the default)
        shapes.setdefault(style.color, []).append((starts[chosen], ends[chosen], radius))
        return
    for code in np.unique(sides[chosen]):
        pick = chosen & (sides == code)
        color = _color_for(style, person, _SIDES[code])
        shapes.setdefault(color, []).append((starts[pick], ends[pick], radius))


def _edge_shapes(people: Sequence[Person], style: RenderStyle, scale: float) -> Shapes:
    shapes: Shapes = {}
    if style.thickness > 0:
        radius = max(1.0, style.thickness * scale) / 2.0
        for person in people:
            pts, valid = person.points, person.valid
            _by_side(shapes, style, person, _EDGE_SIDE, valid[_EDGE_A] & valid[_EDGE_B],
                     pts[_EDGE_A], pts[_EDGE_B], radius)
    return shapes


def _joint_shapes(people: Sequence[Person], style: RenderStyle, scale: float) -> Shapes:
    shapes: Shapes = {}
    if style.joint_radius > 0:
        radius = max(1.0, style.joint_radius * scale)
        for person in people:
            _by_side(shapes, style, person, _POINT_SIDE, np.asarray(person.valid, bool),
                     person.points, person.points, radius)
    return shapes


def draw_edges(canvas: np.ndarray, people: Sequence[Person], style: RenderStyle,
               scale: float) -> None:
    """The limbs alone."""
    _paint_by_color(canvas, _edge_shapes(people, style, scale), style.antialias)


def draw_joints(canvas: np.ndarray, people: Sequence[Person], style: RenderStyle,
                scale: float) -> None:
    """The joints alone."""
    _paint_by_color(canvas, _joint_shapes(people, style, scale), style.antialias)


def draw_skeleton(canvas: np.ndarray, people: Sequence[Person], style: RenderStyle,
                  scale: float) -> None:
    """Limbs, then joints over them. In one colour (the default style) both
    are one union of capsules: half the raster passes of drawing them in
    turn, and where a joint's edge crosses a limb's the pixel is blended
    once, by the larger coverage, rather than twice (a faint dark seam).
    In several colours the joints go over every limb, as drawn in turn."""
    edges = _edge_shapes(people, style, scale)
    joints = _joint_shapes(people, style, scale)
    if len(edges.keys() | joints.keys()) == 1:
        color = next(iter(edges.keys() | joints.keys()))
        _paint_by_color(canvas, {color: edges.get(color, []) + joints.get(color, [])},
                        style.antialias)
        return
    _paint_by_color(canvas, edges, style.antialias)
    _paint_by_color(canvas, joints, style.antialias)


def draw_labels(canvas: np.ndarray, people: Sequence[Person], style: RenderStyle,
                scale: float) -> None:
    """Writes each tracked person's ID above the highest valid landmark, with
    a dark outline so it reads on any background."""
    if not style.show_ids:
        return
    height = max(7.0, 16.0 * scale)
    stroke = max(1.8, 2.6 * scale)
    for person in people:
        if person.person_id < 0 or not person.valid.any():
            continue
        pts = person.points[person.valid]
        x, y = float(pts[:, 0].min()), float(pts[:, 1].min())
        baseline = max(height + 2.0, y - 8.0 * scale)
        text = f"#{person.person_id}"
        draw_text(canvas, text, (x, baseline), height, stroke + 2.0 * max(1.0, scale),
                  (0, 0, 0), style.antialias)
        draw_text(canvas, text, (x, baseline), height, stroke,
                  _color_for(style, person, Side.CENTER), style.antialias)


DEFAULT_STEPS: tuple[DrawStep, ...] = (draw_skeleton, draw_labels)


def visible_mask(pose: PoseFrame, style: RenderStyle) -> np.ndarray:
    """(people, 33) bool: what the style lets through (confidence, face)."""
    lm = pose.landmarks
    mask = pose.valid.copy()
    mask &= lm[:, :, 3] >= style.min_confidence
    mask &= lm[:, :, 4] >= style.min_confidence
    if not style.show_face:
        mask[:, sorted(FACE_LANDMARKS)] = False
    return mask


def render_scale(width: int, height: int) -> float:
    """Style sizes are given for a 720 px short side; tiny videos keep a floor
    so a skeleton never thins to nothing."""
    return max(0.4, min(width, height) / 720.0)


class SkeletonRenderer:
    """Draws poses onto canvases of any size with a fixed style and steps.

    Stateless apart from its frozen configuration, so one instance may be used
    from any single thread at a time.
    """

    def __init__(self, style: RenderStyle, steps: Sequence[DrawStep] = DEFAULT_STEPS) -> None:
        self.style = style
        self.steps = tuple(steps)

    def people(self, pose: PoseFrame, width: int, height: int,
               mask: np.ndarray | None = None) -> list[Person]:
        points = pose.pixels(width, height)
        if mask is None:
            mask = visible_mask(pose, self.style)
        return [Person(points[i], mask[i], pose.ids[i], i) for i in range(pose.people)]

    def render(self, background: np.ndarray, pose: PoseFrame,
               mask: np.ndarray | None = None) -> np.ndarray:
        """Returns a new RGB image: `background` with the skeleton layer on it.
        `mask` is visible_mask(pose, style) when the caller already has it."""
        height, width = background.shape[:2]
        scale = render_scale(width, height)
        people = self.people(pose, width, height, mask)
        canvas = np.array(background, dtype=np.uint8, copy=True)
        if not people:
            return canvas
        if self.style.opacity >= 1.0:
            for step in self.steps:
                step(canvas, people, self.style, scale)
            return canvas
        layer = canvas.copy()
        for step in self.steps:
            step(layer, people, self.style, scale)
        # Blend only the pixels the steps changed: most of a frame is background.
        changed = (layer != canvas).any(axis=2)
        canvas[changed] = blend_images(layer[changed], canvas[changed], self.style.opacity)
        return canvas

    def render_rgba(self, width: int, height: int, pose: PoseFrame,
                    mask: np.ndarray | None = None) -> np.ndarray:
        """The skeleton alone as straight-alpha RGBA on a transparent canvas
        (for editors). Drawn twice on black: in colour, which gives colour
        times coverage, and in white, which gives the coverage itself (the
        anti-aliased edges); colour / coverage restores the straight colour."""
        rgba = np.zeros((height, width, 4), np.uint8)
        if pose.people == 0:
            return rgba
        black = np.zeros((height, width, 3), np.uint8)
        solid = replace(self.style, opacity=1.0)
        coverage_style = replace(solid, color=(255, 255, 255), left_color=None,
                                 right_color=None, center_color=None, color_by_person=False)
        colour = SkeletonRenderer(solid, self.steps).render(black, pose, mask)
        coverage = SkeletonRenderer(coverage_style, self.steps).render(black, pose, mask)[:, :, 0]
        drawn = coverage > 0
        straight = colour[drawn].astype(np.uint16) * 255 // coverage[drawn, None]
        rgba[drawn, :3] = np.minimum(straight, 255).astype(np.uint8)
        rgba[:, :, 3] = np.round(coverage * self.style.opacity).astype(np.uint8)
        return rgba
