"""Scene cuts and person IDs: cut detection precision and recall, what a
landmarker reset at a cut changes, and IDs per real person.

    uv run python -m bench.ids

1. Cuts: tests/helpers/cut_clips.py joins carphone, vtest.avi (mirrored
   and not) and tree.avi with hard cuts at known frames; the single-shot
   sources must give none. Prints precision and recall, and the largest
   frame-to-frame distances inside shots against those at the cuts.
2. Reset: people found in the 5 frames after each cut with the landmarker
   continued, with its timestamps jumped by 10 s, and with a fresh one.
3. IDs: the cut clip's shots and vtest.avi segments (tiles), tracked with
   the tracker as it was (no cut marks, no duplicate suppression) and as it
   is. Real people per shot were counted by eye on the frames (listed in
   REAL_PEOPLE); "IDs per person" is IDs given / real people.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MEDIA = ROOT.parent / "shared" / "media"
MODEL = ROOT.parent / "shared" / "models" / "pose_landmarker_full.task"

# vtest.avi segments (first frame, frames) and the people walking in each,
# counted by eye on frames 0, 50 and 99 of the segment (7 at its start, and
# at least one walking in; about +-1: who is who across frames is a guess).
VTEST_SEGMENTS = {(200, 100): 8}


def _cut_stats(clip) -> None:
    from app.media.video import VideoReader
    from app.people.scene_cuts import CutDetector, CutRule, changed_share, distances, signature
    sources = {"cut clip": (clip.path, set(clip.cuts))}
    for name in ("vtest.avi", "carphone_pristine.mp4", "tree.avi"):
        sources[name] = (MEDIA / name, set())
    tp = fp = fn = 0
    inside, at_cuts = [0.0, 0.0, 0.0], []
    block = CutRule().block
    ms, frames = 0.0, 0
    for name, (path, truth) in sources.items():
        detector, last, found = CutDetector(), None, set()
        for frame in VideoReader(path).frames():
            t0 = time.perf_counter()
            if detector.push(frame.image):
                found.add(frame.index)
            sig = signature(frame.image)
            ms += (time.perf_counter() - t0) * 500  # push + signature: one each
            frames += 1
            if last is not None:
                h, t = distances(last, sig)
                share = changed_share(last, sig, block)
                if frame.index in truth:
                    at_cuts.append(f"({h:.2f}, {t:.2f}, {share:.2f})")
                else:
                    inside = [max(inside[0], h), max(inside[1], t), max(inside[2], share)]
            last = sig
        tp += len(found & truth)
        fp += len(found - truth)
        fn += len(truth - found)
        print(f"  {name:24} cuts {len(truth):2d}  found {sorted(found)}")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print(f"  precision {precision:.2f}, recall {recall:.2f} ({tp} right, {fp} false, {fn} missed)"
          f"; {ms / frames:.2f} ms per frame")
    print(f"  inside shots: histogram <= {inside[0]:.3f}, thumbnail <= {inside[1]:.3f}, "
          f"blocks changed <= {inside[2]:.2f}")
    print(f"  at the cuts (histogram, thumbnail, blocks changed): {', '.join(at_cuts)}")
    print(f"  rule: {CutRule()}")


def _reset_stats(clip) -> None:
    from app.base.settings import DetectionSettings
    from app.media.video import VideoReader
    from app.pose.estimator import PoseEstimator
    frames = list(VideoReader(clip.path).frames())
    for strategy in ("continued", "timestamps +10 s", "fresh landmarker"):
        est = PoseEstimator(MODEL, DetectionSettings())
        offset, after, spent = 0, [], 0.0
        for f in frames:
            if f.index in clip.cuts:
                if strategy.startswith("timestamps"):
                    offset += 10_000
                elif strategy.startswith("fresh"):
                    t0 = time.perf_counter()
                    est.close()
                    est = PoseEstimator(MODEL, DetectionSettings())
                    spent += time.perf_counter() - t0
            n = len(est.detect(f.image, round(f.time_s * 1000) + offset))
            if any(0 <= f.index - c < 5 for c in clip.cuts):
                after.append(n)
        est.close()
        cost = f", {spent / len(clip.cuts) * 1000:.0f} ms per reset" if spent else ""
        print(f"  {strategy:18} people in the 5 frames after each cut: {after}{cost}")


def _ids(poses, options, cuts: bool) -> list[set[int]]:
    """IDs given per shot (shots split at the marked cuts)."""
    from app.people.tracking import PersonTracker
    tracker = PersonTracker(options)
    shots: list[set[int]] = [set()]
    for pose in poses:
        if pose.scene_cut:
            shots.append(set())
        if not cuts:
            pose = replace(pose, scene_cut=False)
        shots[-1].update(tracker.update(pose).ids)
    return shots


def _id_stats(clip) -> None:
    from app.base.settings import DetectionSettings
    from app.people.tracking import TrackerOptions
    from app.pose.factory import make_pose_estimator
    from tests.helpers.seams import chunks_at, pose_frames
    before, now = TrackerOptions(duplicate_distance=0), TrackerOptions()
    poses, _ = pose_frames(clip.path, MODEL, chunks_at([], clip.frame_count), 1)
    real = [1, 1, None, 0, None]  # a face, the same face mirrored, street, empty, street
    print(f"  {'cut clip shot':22} {'real':>5} {'IDs before':>11} {'IDs now':>8}")
    old, new = _ids(poses, before, False), _ids(poses, now, True)
    # Without cut marks IDs run across shots: count each ID in the shot it started in.
    seen: set[int] = set()
    for k, (a, b) in enumerate(zip(old, new)):
        fresh = a - seen
        seen |= a
        print(f"  {'shot ' + str(k + 1):22} {real[k] if real[k] is not None else '?':>5} "
              f"{len(fresh):11d} {len(b):8d}   shared with the shot before: "
              f"{len(a & old[k - 1]) if k else 0} before, {len(b & new[k - 1]) if k else 0} now")
    from app.base.types import PoseFrame
    from app.media.images import resize_rgb
    from tests.helpers.people_media import vtest_images
    print(f"  {'vtest.avi, tiles auto':22} {'real':>5} {'IDs before':>11} {'IDs now':>8}"
          f" {'per person':>11}")
    for (start, count), people in VTEST_SEGMENTS.items():
        images = vtest_images(MEDIA / "vtest.avi", start, count)
        est = make_pose_estimator(MODEL, DetectionSettings(tiles="auto"), resize=resize_rgb)
        with est:
            raw = [PoseFrame(index=n, time_s=t, width=rgb.shape[1], height=rgb.shape[0],
                             landmarks=est.detect(rgb, round(t * 1000)))
                   for n, (t, rgb) in enumerate(images)]
        a, b = _ids(raw, before, True)[0], _ids(raw, now, True)[0]
        print(f"  {f'frames {start}-{start + count - 1}':22} {people:5d} {len(a):11d} {len(b):8d}"
              f" {len(a) / people:5.1f}->{len(b) / people:.1f}")


def _crossing_stats(folder: Path) -> None:
    """Two real people crossing (tests/helpers/people_media.py): who is who is
    known by construction; an ID given to both is a swap."""
    from tests.helpers.people_media import crossing_ids, crossing_walkers
    clip, centres = crossing_walkers(folder, MEDIA)
    print(f"  {'two walkers crossing':22} {'real':>5} {'found/frame':>11} {'IDs':>4}"
          f" {'IDs per person':>15} {'swaps':>6}")
    for tiles in ("off", "2x1"):
        found, owners = crossing_ids(clip, centres, MODEL, tiles)
        swaps = sum(len(people) - 1 for people in owners.values())
        print(f"  {'tiles ' + tiles:22} {2:5d} {found / len(centres):11.2f} {len(owners):4d}"
              f" {len(owners) / 2:15.1f} {swaps:6d}")


def main() -> None:
    from tests.helpers.cut_clips import street_with_cuts
    with tempfile.TemporaryDirectory() as tmp:
        clip = street_with_cuts(Path(tmp), MEDIA)
        print(f"Scene cuts (cuts at {list(clip.cuts)} of {clip.frame_count} frames)")
        _cut_stats(clip)
        print("Landmarker at a cut")
        _reset_stats(clip)
        print("Person IDs")
        _id_stats(clip)
        _crossing_stats(Path(tmp))


if __name__ == "__main__":
    main()
