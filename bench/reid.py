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

    nice uv run python -m bench.reid [--permutations 20] [--cached-only]
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
from app.people.standard_body import TEMPLATE_LENGTHS, standard_body

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
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    clips = cached_keypoints(convert=not args.cached_only)
    frames = {kp: frames_of(kp) for _, kp in clips}
    print(f"GMDCSA24: {len(clips)} clips of {len({s for s, _ in clips})} people")
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
