"""Re-identification from PoseCloak's own keypoint files, raw vs standard body
(app/people/standard_body.py), on the shared GMDCSA24 clips (4 people).

The attacker has the keypoint files of known people and one file of an
unknown person, and names them. Two protocols:
- leave-one-clip-out: each clip in turn is the unknown; every other clip is
  known (another session of the same person at best);
- halves: each clip is cut in two halves, each half in turn is the unknown
  and everything else, the clip's other half included, is known (the same
  person minutes apart, in the same clothes and light: the attacker's best
  case these clips allow).
Features per frame: bone lengths from the 2D and the world landmarks (log,
absolute and as shares of the body's total: proportions and size), the
person's height as a share of the picture, and gait per file (cadence and
step timing from the ankles' separation). Attackers: a softmax logistic
regression on per-frame features (each file named by the sum of its
frames' log-probabilities), k nearest neighbours voting per frame, and the
issue's naive nearest centroid on each file's median features. Chance: the
majority class's share (always answering the most common person) and a
label-permutation test that shuffles whole clips' labels (p: the share of
shuffled labellings that reach the accuracy; run where the accuracy is
above the majority's share), so matching a clip's two halves by their
shared session does not count as knowing the person. Also printed: how far
apart the people are at all (Fisher's ratio of clip medians), the standard
body's bone lengths, 2D joint angles against the raw ones, and foot
skating.

Keypoints are made once with `--no-standard-body` and cached under CACHE; the
standard body is applied to them exactly as the pipeline does (per frame).

Positive control (`power_analysis`): the attackers must be shown able to
find people whose proportions differ, or "no better than chance" says
nothing. The real clips are given known, per-person proportions (SEGMENTS
scaled by person-specific factors, the world and the pixel skeleton alike),
and the same attackers run on them, raw and on the standard body, for each
effect size. Beside it: MediaPipe's own clip-to-clip noise of those ratios.

    nice uv run python -m bench.reid [--permutations 20] [--cached-only] [--power-only]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np

from app.analysis.angles import angles_from_xy, masked_pixels
from app.base.types import PoseFrame
from app.media.keypoints import keypoints_to_arrays, keypoints_to_world, read_keypoints
from app.people.standard_body import BONES as TREE
from app.people.standard_body import MID_HIP, MID_SHOULDER, TEMPLATE_LENGTHS, standard_body

ROOT = Path(__file__).resolve().parents[1]
CLIPS = ROOT.parent / "shared" / "media" / "gmdcsa24"
CACHE = Path("/tmp/stdbody/raw")
MODEL = ROOT.parent / "shared" / "models" / "pose_landmarker_full.task"
MIN_FRAMES = 5  # a file with fewer frames of its person is left out
# Every third frame: neighbouring frames are nearly the same picture, and
# the attackers run in a minute instead of ten.
STRIDE = 3

# Bones measured: limbs, widths, torso sides, feet (pairs of landmarks).
BONES = [(11, 13), (12, 14), (13, 15), (14, 16), (23, 25), (24, 26), (25, 27), (26, 28),
         (11, 12), (23, 24), (11, 23), (12, 24), (29, 31), (30, 32), (27, 29), (28, 30)]


# --------------------------------------------------------------------------
# data


def cached_keypoints(convert: bool = True) -> list[tuple[str, Path]]:
    """(subject, keypoint file) per clip, converting what is not cached yet
    (or leaving it out, unless `convert`)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    out = []
    for clip in sorted(CLIPS.glob("Subject_*/*/*.mp4")):
        name = "_".join(clip.relative_to(CLIPS).with_suffix("").parts)
        kp = CACHE / f"{name}.json"
        if not kp.exists() and not convert:
            continue
        if not kp.exists():
            subprocess.run([sys.executable, "-m", "app.cli.main", "convert", str(clip), "-o",
                            str(CACHE / f"{name}.mp4"), "--keypoints", str(kp), "--jobs", "1",
                            "--no-standard-body", "--overwrite", "-q", "--model", str(MODEL)],
                           check=True, cwd=ROOT)
        out.append((clip.relative_to(CLIPS).parts[0], kp))
    return out


def frames_of(path: Path) -> list[PoseFrame]:
    data = read_keypoints(path)
    w, h = data["video"]["width"], data["video"]["height"]
    times, ids, arrays = keypoints_to_arrays(data)
    return [PoseFrame(index=i, time_s=float(t), width=w, height=h,
                      landmarks=np.nan_to_num(arr), ids=tuple(idl),
                      valid=np.isfinite(arr[..., 0]), world=world)
            for i, (t, idl, arr, world) in enumerate(zip(times, ids, arrays,
                                                         keypoints_to_world(data)))]


def main_person(frame: PoseFrame) -> int | None:
    """The row with the most valid landmarks (one subject per clip)."""
    if frame.people == 0:
        return None
    row = int(np.argmax(frame.valid.sum(axis=1)))
    return row if frame.valid[row].sum() >= 8 else None


# --------------------------------------------------------------------------
# features


def _lengths(points: np.ndarray, valid: np.ndarray) -> np.ndarray:
    out = np.array([np.linalg.norm(points[a] - points[b]) for a, b in BONES])
    ok = np.array([valid[a] and valid[b] for a, b in BONES])
    return np.where(ok & (out > 1e-6), out, np.nan)


def frame_features(frame: PoseFrame, row: int) -> np.ndarray:
    valid = frame.valid[row]
    px = _lengths(frame.pixels()[row].astype(np.float64), valid)
    world = _lengths(frame.world[row].astype(np.float64), valid)
    with np.errstate(all="ignore"):
        ratios_2d = np.log(px / np.nanmean(px))
        ratios_3d = np.log(world / np.nanmean(world))
        size_3d = np.log(world)
    ys = frame.pixels()[row, valid, 1]
    height = (ys.max() - ys.min()) / frame.height if ys.size else np.nan
    return np.concatenate([ratios_2d, ratios_3d, size_3d, [height]])


def gait_features(frames: list[tuple[PoseFrame, int]]) -> np.ndarray:
    """Cadence (steps per second) and step timing regularity from the
    signed separation of the ankles (world x, along the stride for a walker
    seen from the side; x and z both)."""
    if len(frames) < 16:
        return np.array([np.nan, np.nan])
    sep = np.array([np.linalg.norm((f.world[r, 27] - f.world[r, 28])[[0, 2]]) for f, r in frames])
    times = np.array([f.time_s for f, _ in frames])
    sep = sep - np.nanmean(sep)
    if not np.isfinite(sep).all() or np.ptp(times) <= 0:
        return np.array([np.nan, np.nan])
    rate = (len(times) - 1) / np.ptp(times)
    spectrum = np.abs(np.fft.rfft(sep * np.hanning(len(sep))))
    freqs = np.fft.rfftfreq(len(sep), 1 / rate)
    band = (freqs >= 0.5) & (freqs <= 3.0)
    cadence = float(freqs[band][np.argmax(spectrum[band])]) if band.any() else np.nan
    peaks = np.flatnonzero((sep[1:-1] > sep[:-2]) & (sep[1:-1] >= sep[2:]) & (sep[1:-1] > 0))
    timing = float(np.std(np.diff(times[peaks + 1]))) if len(peaks) >= 3 else np.nan
    return np.array([cadence, timing])


def person_frames(frames: list[PoseFrame], standard: bool) -> list[tuple[PoseFrame, int]]:
    """(frame, row of its person), on the standard body when asked (as the
    pipeline makes it, frame by frame)."""
    rows = []
    for frame in frames:
        if standard:
            frame = standard_body(frame)
        row = main_person(frame)
        if row is not None:
            rows.append((frame, row))
    return rows


def file_features(rows: list[tuple[PoseFrame, int]]) -> np.ndarray:
    """Per-frame features (every STRIDE-th frame), each with the gait of
    these frames (so two halves of a clip each have their own)."""
    if len(rows) < MIN_FRAMES * STRIDE:
        return np.zeros((0, 1))
    gait = gait_features(rows)
    per_frame = np.stack([frame_features(f, r) for f, r in rows[::STRIDE]])
    return np.hstack([per_frame, np.tile(gait, (len(per_frame), 1))])


def separability(files: list[tuple[str, str, np.ndarray]], cols: slice) -> float:
    """Median over features of the spread between people's means against the
    spread within a person (clip medians; Fisher's ratio). About 1 or less:
    the feature does not tell these people apart; 0: the same for everyone."""
    medians = np.array([np.nanmedian(x[:, cols], axis=0) for _, _, x in files])
    labels = np.array([s for _, s, _ in files])
    ratios = []
    for k in range(medians.shape[1]):
        v = medians[:, k]
        ok = np.isfinite(v)
        groups = [v[ok & (labels == s)] for s in np.unique(labels)]
        groups = [g for g in groups if len(g) >= 2]
        if len(groups) < 2:
            continue
        within = np.mean([np.var(g, ddof=1) for g in groups])
        between = np.var([g.mean() for g in groups], ddof=1)
        ratios.append(between / within if within > 1e-12 else 0.0 if between < 1e-12 else np.inf)
    return float(np.median(ratios)) if ratios else float("nan")


# --------------------------------------------------------------------------
# attackers (NumPy)


def _standardise(train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    mean, std = np.nanmean(train, axis=0), np.nanstd(train, axis=0)
    std = np.where(np.isfinite(std) & (std > 1e-9), std, 1.0)
    mean = np.where(np.isfinite(mean), mean, 0.0)
    return [np.nan_to_num((x - mean) / std) for x in (train, *others)]


def logistic(train_x, train_y, test_x, classes, l2=1.0, steps=300, lr=0.5) -> int:
    """Softmax regression by gradient descent; the file's answer is the class
    with the largest sum of per-frame log-probabilities."""
    tx, qx = _standardise(train_x, test_x)
    tx, qx = np.hstack([tx, np.ones((len(tx), 1))]), np.hstack([qx, np.ones((len(qx), 1))])
    y = np.searchsorted(classes, train_y)
    onehot = np.eye(len(classes))[y]
    # Each class weighs the same, whatever its number of frames.
    weight = (1.0 / np.bincount(y, minlength=len(classes)))[y][:, None]
    weight /= weight.sum()
    w = np.zeros((tx.shape[1], len(classes)))
    for _ in range(steps):
        z = tx @ w
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        w -= lr * (tx.T @ ((p - onehot) * weight) + l2 * w / len(tx))
    z = qx @ w
    logp = z - z.max(axis=1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
    return int(np.argmax(logp.sum(axis=0)))


def knn(train_x, train_y, test_x, classes, k=5) -> int:
    """k nearest training frames per test frame, votes summed over the file
    (each class's votes divided by its share of training frames)."""
    tx, qx = _standardise(train_x, test_x)
    y = np.searchsorted(classes, train_y)
    prior = np.bincount(y, minlength=len(classes)) / len(y)
    votes = np.zeros(len(classes))
    for chunk in np.array_split(qx, max(1, len(qx) // 256)):
        d = ((chunk[:, None, :] - tx[None, :, :]) ** 2).sum(axis=2)
        nearest = np.argsort(d, axis=1)[:, :k]
        for row in y[nearest]:
            votes += np.bincount(row, minlength=len(classes))
    return int(np.argmax(votes / np.maximum(prior, 1e-9)))


def centroid(train_x, train_y, test_x, classes, groups=None) -> int:
    """The issue's naive attack: each known file's median features; the
    unknown file's median is named after the nearest file's person."""
    tx, qx = _standardise(train_x, test_x)
    q = np.median(qx, axis=0)
    best, answer = np.inf, 0
    for g in np.unique(groups):
        d = np.linalg.norm(np.median(tx[groups == g], axis=0) - q)
        if d < best:
            best, answer = d, int(np.searchsorted(classes, train_y[groups == g][0]))
    return answer


ATTACKERS = {"logistic regression per frame": logistic, "kNN voting per frame": knn,
             "nearest file by medians": centroid}
N_BONES = len(BONES)
# Feature columns (frame_features, then gait_features).
GROUPS = {"proportions (2D, 3D ratios, 3D size)": slice(0, 3 * N_BONES),
          "height in the picture": slice(3 * N_BONES, 3 * N_BONES + 1),
          "gait (cadence, step timing)": slice(3 * N_BONES + 1, 3 * N_BONES + 3),
          "all": slice(0, 3 * N_BONES + 3)}


def evaluate(files: list[tuple[str, str, np.ndarray]], attacker, labels: list[str],
             exclude_same_clip: bool) -> float:
    """Accuracy of naming each file from all other files (leaving out its own
    clip's other half when `exclude_same_clip`)."""
    classes = np.unique(labels)
    right = 0
    for i, (clip, _, x) in enumerate(files):
        known = [j for j, (c, _, _) in enumerate(files)
                 if j != i and not (exclude_same_clip and c == clip)]
        train_x = np.vstack([files[j][2] for j in known])
        train_y = np.concatenate([[labels[j]] * len(files[j][2]) for j in known])
        groups = np.concatenate([[j] * len(files[j][2]) for j in known])
        if attacker is centroid:
            guess = centroid(train_x, train_y, x, classes, groups)
        else:
            guess = attacker(train_x, train_y, x, classes)
        right += classes[guess] == labels[i]
    return right / len(files)


def permutation_p(files, attacker, labels, exclude, observed, n, rng) -> float:
    """Share of label shuffles (whole clips keep one label) that do as well."""
    if n <= 0:
        return float("nan")
    clips = sorted({c for c, _, _ in files})
    of_clip = {c: labels[[f[0] for f in files].index(c)] for c in clips}
    hits = 0
    for _ in range(n):
        shuffled = dict(zip(clips, rng.permutation([of_clip[c] for c in clips])))
        hits += evaluate(files, attacker, [shuffled[c] for c, _, _ in files], exclude) >= observed
    return (hits + 1) / (n + 1)


# --------------------------------------------------------------------------
# positive control: people given known proportions

L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANKLE, R_ANKLE = 23, 24, 25, 26, 27, 28
L_SH, R_SH, L_ELBOW, R_ELBOW, L_WRIST, R_WRIST = 11, 12, 13, 14, 15, 16
# The segments given per-person lengths: bones of the standard body's tree
# (parent, child), both sides alike.
SEGMENTS = {"thigh": ((L_HIP, L_KNEE), (R_HIP, R_KNEE)),
            "shank": ((L_KNEE, L_ANKLE), (R_KNEE, R_ANKLE)),
            "upper arm": ((L_SH, L_ELBOW), (R_SH, R_ELBOW)),
            "forearm": ((L_ELBOW, L_WRIST), (R_ELBOW, R_WRIST)),
            "shoulder width": ((MID_SHOULDER, L_SH), (MID_SHOULDER, R_SH)),
            "hip width": ((MID_HIP, L_HIP), (MID_HIP, R_HIP))}
# Per person (row) and segment (column), the sign of its change: columns of
# a 4x4 Hadamard matrix, so over four people every segment's log-length has
# mean 0 and standard deviation exactly the effect size, and no two people
# share a pattern. More people repeat the rows.
_H = np.array([[1, 1, 1], [-1, 1, -1], [1, -1, -1], [-1, -1, 1]], np.float64)
PATTERN = np.hstack([_H, -_H])
EFFECTS = (0.0, 0.02, 0.04, 0.06, 0.08, 0.10)
# Ratios whose clip-to-clip noise is measured: (name, numerator, denominator).
RATIOS = (("thigh / shank", ((L_HIP, L_KNEE), (R_HIP, R_KNEE)),
           ((L_KNEE, L_ANKLE), (R_KNEE, R_ANKLE))),
          ("upper arm / forearm", ((L_SH, L_ELBOW), (R_SH, R_ELBOW)),
           ((L_ELBOW, L_WRIST), (R_ELBOW, R_WRIST))),
          ("shoulder / hip width", ((L_SH, R_SH),), ((L_HIP, R_HIP),)),
          ("leg / trunk", ((L_HIP, L_KNEE), (L_KNEE, L_ANKLE), (R_HIP, R_KNEE),
                           (R_KNEE, R_ANKLE)), ((L_SH, L_HIP), (R_SH, R_HIP))))


def factors_for(person: int, effect: float) -> dict[tuple[int, int], float]:
    """Each bone's length factor for one person (0, 1, ... in a sorted list
    of people) at one effect size (the standard deviation over people of
    each segment's log-length)."""
    signs = PATTERN[person % len(PATTERN)]
    return {bone: float(np.exp(effect * sign))
            for sign, bones in zip(signs, SEGMENTS.values()) for bone in bones}


def scale_bones(points: np.ndarray, known: np.ndarray,
                factors: dict[tuple[int, int], float]) -> np.ndarray:
    """(33, D) points with each bone of the standard body's tree scaled by
    its factor from its parent joint, everything below it moved along (the
    mid-hip stays). Pixel and world skeletons scaled alike stay consistent:
    a bone's projection scales with the bone. A bone with an end not
    `known` moves its child only with its parent."""
    pts = np.where(known[:, None], points.astype(np.float64), np.nan)
    mids = [(pts[L_HIP] + pts[R_HIP]) / 2, (pts[L_SH] + pts[R_SH]) / 2]
    src = np.vstack([pts, mids])
    shift = np.zeros_like(src)
    for parent, child, _ in TREE:
        bone = np.nan_to_num((factors.get((parent, child), 1.0) - 1) * (src[child] - src[parent]))
        shift[child] = shift[parent] + bone
    return points + shift[:len(points)].astype(points.dtype)


def with_proportions(frame: PoseFrame, factors: dict[tuple[int, int], float]) -> PoseFrame:
    """The frame with its main person's bones scaled (pixels, MediaPipe's
    relative depth and the world landmarks alike); others as they are."""
    row = main_person(frame)
    if row is None or frame.world is None:
        return frame
    landmarks, world = frame.landmarks.copy(), frame.world.copy()
    landmarks[row, :, :3] = scale_bones(frame.landmarks[row, :, :3], frame.valid[row], factors)
    world[row] = scale_bones(frame.world[row], np.isfinite(frame.world[row]).all(axis=1),
                             factors)
    return frame.with_people(landmarks, frame.ids, frame.valid, world=world)


def _length(points: np.ndarray, bones) -> float:
    return float(sum(np.linalg.norm(points[a] - points[b]) for a, b in bones))


def ratio_noise(clips: list[tuple[str, Path]], frames: dict[Path, list[PoseFrame]]
                ) -> dict[str, tuple[float, float, float]]:
    """Per ratio (from the world landmarks, each clip's median): the standard
    deviation of its log between one person's clips (pooled: MediaPipe's
    clip-to-clip noise, the same body), between the people's means, and
    between frames of one clip (pooled), as shares (0.05 = 5 %)."""
    out = {}
    for name, top, bottom in RATIOS:
        per_clip: dict[str, list[float]] = {}
        within_clip = []
        for subject, kp in clips:
            logs = []
            for frame, row in person_frames(frames[kp], standard=False):
                if not frame.valid[row][[i for bone in top + bottom for i in bone]].all():
                    continue
                w = frame.world[row].astype(np.float64)
                logs.append(np.log(_length(w, top) / _length(w, bottom)))
            if len(logs) >= MIN_FRAMES:
                per_clip.setdefault(subject, []).append(float(np.median(logs)))
                within_clip.append(np.var(logs, ddof=1))
        groups = [np.array(v) for v in per_clip.values() if len(v) >= 2]
        within = np.sqrt(np.sum([np.sum((g - g.mean()) ** 2) for g in groups])
                         / np.sum([len(g) - 1 for g in groups]))
        between = np.std([g.mean() for g in groups], ddof=1)
        out[name] = (float(within), float(between), float(np.sqrt(np.mean(within_clip))))
    return out


def power_analysis(clips: list[tuple[str, Path]], frames: dict[Path, list[PoseFrame]],
                   effects: tuple[float, ...], permutations: int,
                   rng: np.random.Generator) -> dict[tuple[float, bool], tuple[dict, float]]:
    """Leave-one-clip-out accuracy of each attacker on proportions, for
    people given known proportions at each effect size, raw and on the
    standard body; with the permutation p of the best attacker (NaN where
    it is not above the majority's share: not tested). Returns
    {(effect, standard): ({attacker: accuracy}, p)}."""
    people = sorted({s for s, _ in clips})
    cols = GROUPS["proportions (2D, 3D ratios, 3D size)"]
    out = {}
    for effect in effects:
        for standard in (False, True):
            files = []
            for subject, kp in clips:
                factors = factors_for(people.index(subject), effect)
                made = [with_proportions(f, factors) for f in frames[kp]]
                x = file_features(person_frames(made, standard))
                if len(x):
                    files.append((kp.stem, subject, x[:, cols]))
            labels = [s for _, s, _ in files]
            scores = {a: evaluate(files, fn, labels, True) for a, fn in ATTACKERS.items()}
            best = max(scores, key=scores.get)
            majority = max(labels.count(s) for s in set(labels)) / len(labels)
            p = (permutation_p(files, ATTACKERS[best], labels, True, scores[best], permutations,
                               rng) if scores[best] > majority else float("nan"))
            out[effect, standard] = (scores, p)
    return out


def print_power(clips, frames, permutations: int, rng: np.random.Generator) -> None:
    noise = ratio_noise(clips, frames)
    print("\nMediaPipe's noise of body ratios (world landmarks; SD of the log, %): "
          "between one person's clips / between the 4 people / between frames of a clip")
    for name, (within, between, frame) in noise.items():
        print(f"  {name:22s} {100 * within:5.1f} / {100 * between:5.1f} / {100 * frame:5.1f}")
    print("\npositive control: the 4 people given known proportions (thigh, shank, upper arm, "
          "forearm, shoulder and hip width; effect = SD over people of each segment's length), "
          f"leave-one-clip-out on proportions; accuracy ({', '.join(ATTACKERS)}), "
          f"p of the best ({permutations} shuffles)")
    result = power_analysis(clips, frames, EFFECTS, permutations, rng)
    for effect in EFFECTS:
        line = f"  effect {100 * effect:4.0f} %:"
        for standard in (False, True):
            scores, p = result[effect, standard]
            line += (f"   {'standard body' if standard else 'raw'} "
                     + " ".join(f"{v:.2f}" for v in scores.values())
                     + (f" (p {p:.3f})" if np.isfinite(p) else " (below chance)"))
        print(line)
    found = [e for e in EFFECTS if result[e, False][1] < 0.05]
    print(f"  sensitivity: raw output identified (p < 0.05) from an effect of "
          f"{100 * min(found):.0f} %" if found else "  the attackers found no effect size")


# --------------------------------------------------------------------------
# the standard body's own figures


def body_figures(all_frames: list[list[PoseFrame]]) -> dict[str, float]:
    bone_err, angle_diff, offset, skating = [], [], [], []
    for frames in all_frames:
        last = None
        for raw in frames:
            std = standard_body(raw)
            for (a, b), length in TEMPLATE_LENGTHS.items():
                ok = std.valid[:, a] & std.valid[:, b]
                bone_err += list(np.abs(np.linalg.norm(
                    std.world[ok, a] - std.world[ok, b], axis=1) / length - 1))
            d = np.abs(angles_from_xy(masked_pixels(raw.landmarks, raw.valid, raw.width,
                                                    raw.height))
                       - angles_from_xy(masked_pixels(std.landmarks, std.valid, std.width,
                                                      std.height)))
            angle_diff += list(d[np.isfinite(d)])
            row = main_person(raw)
            if row is None or not std.valid[row].any():
                last = None
                continue
            heel = max((29, 30), key=lambda i: raw.world[row, i, 1])
            if not raw.valid[row, heel]:
                last = None
                continue
            r, s = raw.pixels()[row, heel], std.pixels()[row, heel]
            offset.append(np.linalg.norm(r - s))
            if last is not None and last[0] == heel:
                skating.append(np.linalg.norm((s - last[2]) - (r - last[1])))
            last = (heel, r, s)
    return {"bone_max": float(np.max(bone_err)), "angle_median": float(np.median(angle_diff)),
            "angle_p90": float(np.percentile(angle_diff, 90)),
            "heel_offset": float(np.median(offset)), "skating": float(np.median(skating)),
            "skating_p90": float(np.percentile(skating, 90))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--permutations", type=int, default=20)
    parser.add_argument("--cached-only", action="store_true",
                        help="use the clips already cached, convert none")
    parser.add_argument("--power-only", action="store_true",
                        help="only the positive control and MediaPipe's noise")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    clips = cached_keypoints(convert=not args.cached_only)
    frames = {kp: frames_of(kp) for _, kp in clips}
    print(f"GMDCSA24: {len(clips)} clips of {len({s for s, _ in clips})} people")
    print_power(clips, frames, args.permutations, rng)
    if args.power_only:
        return
    figures = body_figures(list(frames.values()))
    print(f"standard body: 3D bone length error max {100 * figures['bone_max']:.3f} %; "
          f"2D joint angles vs raw median {figures['angle_median']:.2f} deg "
          f"(p90 {figures['angle_p90']:.1f}); supporting heel {figures['heel_offset']:.1f} px "
          f"from the raw one, extra slide {figures['skating']:.2f} px/frame "
          f"(p90 {figures['skating_p90']:.1f}) (medians)")
    for standard in (False, True):
        body = "standard body" if standard else "raw"
        whole, halves = [], []
        for subject, kp in clips:
            rows = person_frames(frames[kp], standard)
            x = file_features(rows)
            if len(x) == 0:
                continue
            whole.append((kp.stem, subject, x))
            half = len(rows) // 2
            parts = [file_features(rows[:half]), file_features(rows[half:])]
            if all(len(part) for part in parts):
                halves += [(kp.stem, subject, part) for part in parts]
        print(f"\n{body}: separability of the people (Fisher's ratio of clip medians, "
              "median over features): " + ", ".join(
                  f"{group} {separability(whole, cols):.2f}" for group, cols in GROUPS.items()))
        for name, files, exclude in (("leave-one-clip-out", whole, True),
                                     ("halves (other half known)", halves, False)):
            labels = [s for _, s, _ in files]
            majority = max(labels.count(s) for s in set(labels)) / len(labels)
            print(f"\n{body}, {name}: {len(files)} files; chance {majority:.2f} (majority), "
                  f"{1 / len(set(labels)):.2f} (uniform); accuracy per attacker "
                  f"({', '.join(ATTACKERS)}), p of the best")
            for group, cols in GROUPS.items():
                part = [(c, s, x[:, cols]) for c, s, x in files]
                scores = {a: evaluate(part, fn, labels, exclude) for a, fn in ATTACKERS.items()}
                best = max(scores, key=scores.get)
                # Below the majority's share it is no better than chance; the
                # permutation test is run where it might be.
                p = (permutation_p(part, ATTACKERS[best], labels, exclude, scores[best],
                                   args.permutations, rng)
                     if scores[best] > majority else float("nan"))
                print(f"  {group:34s} " + "  ".join(f"{v:.2f}" for v in scores.values())
                      + (f"   p {p:.2f}" if np.isfinite(p) else "   (below chance)"))

if __name__ == "__main__":
    main()
