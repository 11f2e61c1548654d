"""Person-frames lost to chunk seams: one unbroken pose pass against the
default's chunked passes, on clips with distant people, cuts, a close-up
and an empty scene, with seams at many places.

    uv run python -m bench.seams

For each clip and seam plan it prints the person-frames the unbroken pass
has and the chunked one lacks ("lost", goal 0) and the reverse ("added"),
once with a plain warm-up (hand over at the chunk's end) and once with the
seam search the pipeline uses, and how many frames the search ran the
model on twice.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MEDIA = ROOT.parent / "shared" / "media"
MODEL = ROOT.parent / "shared" / "models" / "pose_landmarker_full.task"


def main() -> None:
    from app.engine.chunked_pose import AGREEMENT_FRAMES, plan_chunks
    from app.media.video import probe
    from tests.helpers.seams import (
        chunks_at,
        cuts_and_closeups,
        pose_passes,
        seam_losses,
        vtest_walkers,
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clips = {"vtest 120-359": vtest_walkers(folder, MEDIA),
                 "cuts + close-up + empty": cuts_and_closeups(folder, MEDIA),
                 "carphone (close-up)": MEDIA / "carphone_pristine.mp4"}
        print(f"{'clip':26} {'seams':22} {'people':>6} {'warm-up only':>14} "
              f"{'seam search':>13} {'twice':>6}")
        totals = [0, 0]
        for name, clip in clips.items():
            n = probe(clip, count_frames=True).frame_count
            reference, _ = pose_passes(clip, MODEL, chunks_at([], n), 1)
            people = sum(len(p) for p in reference)
            plans = {"default": plan_chunks(n, 2) if len(plan_chunks(n, 2)) > 1 else None,
                     "every 40": chunks_at(list(range(40, n, 40)), n),
                     "every 40, +17": chunks_at(list(range(17, n, 40)), n)}
            for label, chunks in plans.items():
                if chunks is None:
                    continue
                plain, _ = pose_passes(clip, MODEL, chunks, 2, agreement_frames=0)
                searched, runner = pose_passes(clip, MODEL, chunks, 2,
                                               agreement_frames=AGREEMENT_FRAMES)
                lp, ap = seam_losses(reference, plain)
                ls, as_ = seam_losses(reference, searched)
                totals[0] += lp
                totals[1] += ls
                seams = f"{label} ({len(chunks) - 1})"
                print(f"{name:26} {seams:22} {people:6d} {f'-{lp} / +{ap}':>14} "
                      f"{f'-{ls} / +{as_}':>13} {sum(runner.detections) - n:6d}")
        print(f"person-frames lost to seams: warm-up only {totals[0]}, seam search {totals[1]}")


if __name__ == "__main__":
    main()
