"""The standard body: every person redrawn on one template skeleton, so the
body's size and proportions (the strongest re-identification cue) are gone.

Pure logic, stateless, one frame at a time (so chunked workers, the live
preview, stills and the cluster all give the same figure for the same frame).

1. In 3D, in metres (hip-centred, from MediaPipe's world landmarks, see 2):
   walking the tree `BONES` from the mid-hip, each bone gets the template's
   length and keeps its own direction, so every bone of the tree has the
   template's length.
2. Back into the picture: per person and frame, a least-squares similarity
   (scaled orthographic camera: scale, rotation about the view axis,
   translation) from the raw world x, y to the raw pixel positions, fitted
   on the person's confident landmarks, maps the template figure into the
   picture at the size the person's distance gives.
   MediaPipe's world and image landmarks disagree (projecting the retargeted
   world alone moved 2D joint angles by 5.9 deg median on GMDCSA24), so the
   skeleton retargeted is the world one with its x, y taken from the picture
   through the inverse fit (`lift`) and its depth from the world landmarks:
   scaling a bone then keeps its direction in the picture, and 2D joint
   angles are kept exactly; 3D ones are those of that skeleton, kept
   exactly.
3. Anchored on the supporting foot: the translation puts the lower foot (in
   world y, which points down) where that foot was in the picture, with a
   soft weight between the feet so the figure does not jump when the
   support changes; a walker neither floats nor slides. With no confident
   foot but a hip in sight (feet behind furniture), the translation is the
   least-squares one over the confident landmarks. A close-up (no foot, no
   hip in sight) is fitted to its visible part: scale and translation by
   least squares over the confident landmarks in the picture (`_fit_visible`).

The template: a standard adult of TEMPLATE_HEIGHT_M, segment lengths as
fractions of height from Winter's anthropometric table (D. A. Winter,
"Biomechanics and Motor Control of Human Movement", 4th ed., Wiley 2009,
fig. 4.1); MediaPipe's hand, foot and face points are not anatomical joints,
so those lengths are approximations stated in `BONES`. A person whose source
gave no world landmarks, or with too few confident landmarks to fit the
camera, cannot be redrawn and is hidden (every landmark invalid), never shown
with their own proportions.
"""

from __future__ import annotations

import numpy as np

from app.base.confidence import confident_mask
from app.base.landmarks import INDEX, NUM_LANDMARKS
from app.base.settings import SkeletonSettings
from app.base.types import PoseFrame

TEMPLATE_HEIGHT_M = 1.70  # one height for everyone: between adult women's and men's means

# Two virtual joints: the mid-points of the hips and of the shoulders.
MID_HIP, MID_SHOULDER = NUM_LANDMARKS, NUM_LANDMARKS + 1


def _i(name: str) -> int:
    return {"mid_hip": MID_HIP, "mid_shoulder": MID_SHOULDER}.get(name, INDEX.get(name, -1))


def _sides(name: str) -> list[str]:
    return [name.replace("*", "left"), name.replace("*", "right")]


# The widths between MediaPipe's shoulder and hip points. Winter's 0.259 and
# 0.191 are the body's outer breadths (across the acromions and the greater
# trochanters); MediaPipe puts these points at the joints, inside them: its
# own world landmarks over the 23 GMDCSA24 clips put them 0.214 and 0.152 of
# height apart (medians of 723 frames, relative to the sum of the limbs'
# bones given Winter's lengths; interquartile 0.206-0.229, 0.144-0.160).
# With the outer breadths, every figure's shoulders and hips were a fifth
# too wide for its limbs and face, glaring in a close-up (carphone: the
# shoulders 1.42 times the person's).
SHOULDER_WIDTH, HIP_WIDTH = 0.214, 0.152

# (parent, child, length as a share of height), parents before children.
# Winter (2009) fig. 4.1: mid-hip to mid-shoulder 0.818 - 0.530 = 0.288,
# upper arm 0.186, forearm 0.146, thigh 0.245, shank 0.246, foot length
# 0.152, ankle height 0.039, hand 0.108.
_BODY = [("mid_hip", "*_hip", HIP_WIDTH / 2), ("mid_hip", "mid_shoulder", 0.288),
         ("mid_shoulder", "*_shoulder", SHOULDER_WIDTH / 2), ("*_shoulder", "*_elbow", 0.186),
         ("*_elbow", "*_wrist", 0.146), ("*_hip", "*_knee", 0.245),
         ("*_knee", "*_ankle", 0.246),
         # MediaPipe's foot points: the heel (behind and below the ankle), then
         # the sole from heel to toe tip, the foot's length (the sole, not
         # ankle to toe, so the ankle's dorsiflexion angle is kept).
         ("*_ankle", "*_heel", 0.050), ("*_heel", "*_foot_index", 0.152),
         # Its hand points lie near the knuckles: about half the hand's length.
         ("*_wrist", "*_index", 0.054), ("*_wrist", "*_pinky", 0.050),
         ("*_wrist", "*_thumb", 0.035),
         # The head: the nose above and before the shoulders (nose height about
         # 0.91 between chin 0.870 and eyes 0.936, shoulders 0.818), and the
         # face from the nose, for a head 0.09 of height broad at the ears.
         ("mid_shoulder", "nose", 0.105),
         ("nose", "*_eye_inner", 0.018), ("*_eye_inner", "*_eye", 0.009),
         ("*_eye", "*_eye_outer", 0.009), ("*_eye_outer", "*_ear", 0.040),
         ("nose", "mouth_*", 0.022)]


def _bones() -> tuple[tuple[int, int, float], ...]:
    out = []
    for parent, child, share in _BODY:
        if "*" in child:
            parents = _sides(parent) if "*" in parent else [parent, parent]
            out += [(_i(p), _i(c), share) for p, c in zip(parents, _sides(child))]
        else:
            out.append((_i(parent), _i(child), share))
    return tuple(out)


BONES = _bones()  # (parent, child, share of height), a tree over all 33 points
assert sorted(c for _, c, _ in BONES) == sorted([*range(NUM_LANDMARKS), MID_SHOULDER])

# Pairs of real landmarks whose distance the template fixes (the tree's bones
# between two real landmarks, and the hip and shoulder widths across the
# virtual mid-points): what tests and the benchmark measure.
TEMPLATE_LENGTHS: dict[tuple[int, int], float] = {
    **{(p, c): share * TEMPLATE_HEIGHT_M for p, c, share in BONES
       if p < NUM_LANDMARKS and c < NUM_LANDMARKS},
    (INDEX["left_hip"], INDEX["right_hip"]): HIP_WIDTH * TEMPLATE_HEIGHT_M,
    (INDEX["left_shoulder"], INDEX["right_shoulder"]): SHOULDER_WIDTH * TEMPLATE_HEIGHT_M,
}

FEET = ((INDEX["left_heel"], INDEX["left_ankle"], INDEX["left_foot_index"]),
        (INDEX["right_heel"], INDEX["right_ankle"], INDEX["right_foot_index"]))
HIPS = (INDEX["left_hip"], INDEX["right_hip"])
# Softness of the choice of supporting foot: a foot this much (metres) lower
# than the other carries about 73 % of the anchor (e / (1 + e)).
SUPPORT_SOFTNESS_M = 0.02
MIN_FIT_POINTS = 3  # confident landmarks needed to fit the camera


def _with_mids(world: np.ndarray) -> np.ndarray:
    """(..., 35, 3): the 33 points, then the mid-hip and mid-shoulder."""
    mid_hip = (world[..., INDEX["left_hip"], :] + world[..., INDEX["right_hip"], :]) / 2
    mid_sh = (world[..., INDEX["left_shoulder"], :] + world[..., INDEX["right_shoulder"], :]) / 2
    return np.concatenate([world, mid_hip[..., None, :], mid_sh[..., None, :]], axis=-2)


def retarget_world(world: np.ndarray, height_m: float = TEMPLATE_HEIGHT_M) -> np.ndarray:
    """World landmarks (..., 33, 3) on the template: every bone of `BONES`
    its template length, its direction kept, the mid-hip where it was. A
    bone of no length (or unknown) keeps no direction: its child sits on
    its parent."""
    src = _with_mids(np.asarray(world, np.float64))
    out = src.copy()
    for parent, child, share in BONES:
        vec = src[..., child, :] - src[..., parent, :]
        norm = np.linalg.norm(vec, axis=-1, keepdims=True)
        unit = np.where(norm > 1e-9, vec / np.where(norm > 1e-9, norm, 1.0), 0.0)
        out[..., child, :] = out[..., parent, :] + share * height_m * unit
    return out[..., :NUM_LANDMARKS, :].astype(np.float32)


def fit_camera(world_xy: np.ndarray, pixels: np.ndarray) -> tuple[complex, complex] | None:
    """Least-squares similarity pixels ~ c * world + t in complex numbers
    (c = scale times rotation about the view axis), from (n, 2) pairs;
    None when the points do not fix it."""
    if len(world_xy) < MIN_FIT_POINTS:
        return None
    w = world_xy[:, 0] + 1j * world_xy[:, 1]
    p = pixels[:, 0] + 1j * pixels[:, 1]
    a, b = w - w.mean(), p - p.mean()
    spread = float(np.sum(np.abs(a) ** 2))
    if spread < 1e-8:
        return None
    c = complex(np.sum(np.conj(a) * b) / spread)
    if abs(c) < 1e-9:
        return None
    return c, complex(p.mean() - c * w.mean())


def _anchor_shift(c: complex, raw_px: np.ndarray, new_world: np.ndarray, raw_world: np.ndarray,
                  confident: np.ndarray) -> complex | None:
    """The translation that keeps the supporting foot where it was in the
    picture (module docstring); None with no confident foot point. Each
    foot is held at one point, its first confident one of heel, ankle, toe
    (the heel carries the body from heel strike to push-off)."""
    shifts, lowness = [], []
    for foot in FEET:
        point = next((i for i in foot if confident[i]), None)
        if point is None:
            continue
        raw = raw_px[point, 0] + 1j * raw_px[point, 1]
        shifts.append(complex(raw - c * (new_world[point, 0] + 1j * new_world[point, 1])))
        lowness.append(float(raw_world[point, 1]))  # world y points down
    if not shifts:
        return None
    weights = np.exp((np.array(lowness) - max(lowness)) / SUPPORT_SOFTNESS_M)
    return complex(np.sum(weights * np.array(shifts)) / weights.sum())


def standard_body(pose: PoseFrame, min_confidence: float = 0.5,
                  height_m: float = TEMPLATE_HEIGHT_M) -> PoseFrame:
    """The frame with every person on the template (module docstring):
    landmarks in the picture and world landmarks both retargeted;
    visibility, presence and IDs kept. `min_confidence` picks the landmarks
    that fit the camera and the anchor."""
    if pose.people == 0:
        return pose if pose.world is not None else pose.with_people(
            pose.landmarks, pose.ids, pose.valid, world=np.zeros((0, NUM_LANDMARKS, 3), np.float32))
    raw_world = pose.world_or_nan().astype(np.float64)
    size = np.array([pose.width, pose.height], np.float64)
    raw_px = pose.landmarks[:, :, :2].astype(np.float64) * size
    confident = confident_mask(pose.landmarks, min_confidence) & pose.valid & np.isfinite(
        raw_world).all(axis=2) & np.isfinite(raw_px).all(axis=2)
    landmarks = pose.landmarks.copy()
    valid = pose.valid.copy()
    new_world = np.full(raw_world.shape, np.nan)
    for p in range(pose.people):
        m = confident[p]
        fit = fit_camera(raw_world[p, m, :2], raw_px[p, m]) if np.isfinite(
            raw_world[p]).all() else None
        if fit is None:
            valid[p] = False  # cannot be redrawn: hidden, never shown as they are
            continue
        c, t = fit
        lifted = lift(raw_world[p], raw_px[p], m, c, t)
        new_world[p] = retarget_world(lifted, height_m)
        shift = _anchor_shift(c, raw_px[p], new_world[p], lifted, m)
        seen = m & _in_picture(raw_px[p], size)
        if shift is None and not seen[list(HIPS)].any():
            # A close-up (no foot, no hip in sight): fitted to what is seen.
            c, shift = _fit_visible(c, raw_px[p], new_world[p], seen if seen.sum() >= 2 else m)
        elif shift is None:
            # Feet hidden (behind furniture, out of the picture) but the body
            # seen: placed by least squares at the camera's scale, so its size
            # does not jump against the frames where a foot is seen.
            new_c = c * (new_world[p, m, 0] + 1j * new_world[p, m, 1])
            shift = complex(np.mean(raw_px[p, m, 0] + 1j * raw_px[p, m, 1] - new_c))
        xy = c * (new_world[p, :, 0] + 1j * new_world[p, :, 1]) + shift
        landmarks[p, :, 0] = (xy.real / size[0]).astype(np.float32)
        landmarks[p, :, 1] = (xy.imag / size[1]).astype(np.float32)
        # MediaPipe's z is on x's scale, relative to the hips.
        landmarks[p, :, 2] = (abs(c) * new_world[p, :, 2] / size[0]).astype(np.float32)
    return pose.with_people(landmarks, pose.ids, valid, world=new_world.astype(np.float32))


def _in_picture(px: np.ndarray, size: np.ndarray) -> np.ndarray:
    return ((px >= 0) & (px <= size)).all(axis=1)


def _fit_visible(c: complex, raw_px: np.ndarray, new_world: np.ndarray,
                 seen: np.ndarray) -> tuple[complex, complex]:
    """A close-up (no foot, no hip in sight): the camera's scale and the translation
    refitted by least squares so the figure's visible part (confident and
    in the picture) lies over the person's, at its size. The camera fitted
    on MediaPipe's world scale made a head and shoulders close-up's figure
    larger or smaller than the person by as much as its world scale was off;
    here the person's size cannot tell their height, as no foot is seen."""
    a = c * (new_world[seen, 0] + 1j * new_world[seen, 1])
    b = raw_px[seen, 0] + 1j * raw_px[seen, 1]
    da, db = a - a.mean(), b - b.mean()
    spread = float(np.sum(np.abs(da) ** 2))
    k = float(np.real(np.sum(np.conj(da) * db)) / spread) if spread > 1e-9 else 1.0
    k = k if k > 1e-3 else 1.0  # no sensible fit: keep the camera's scale
    return c * k, complex(b.mean() - k * a.mean())


def lift(world: np.ndarray, pixels: np.ndarray, confident: np.ndarray, c: complex,
         t: complex) -> np.ndarray:
    """One person's (33, 3) skeleton in world units whose x, y are the
    picture's (the camera fit undone) where a landmark is confident, and
    MediaPipe's world x, y elsewhere; z is MediaPipe's world depth. Scaling
    its bones keeps their directions in the picture exactly, so 2D joint
    angles between confident landmarks are the raw ones."""
    out = world.copy()
    back = (pixels[confident, 0] + 1j * pixels[confident, 1] - t) / c
    out[confident, 0], out[confident, 1] = back.real, back.imag
    return out


def output_pose(pose: PoseFrame, settings: SkeletonSettings) -> PoseFrame:
    """The frame as the video and the keypoint files get it: on the standard
    body when the settings ask for it, else the person's own. The analysis
    (angles, activity, falls) is always computed on `pose` itself."""
    if not settings.people.standard_body:
        return pose
    return standard_body(pose, settings.min_confidence)
