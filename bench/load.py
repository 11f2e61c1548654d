"""Load: a batch of short generated clips, some broken, converted one after
another in one process, as the CLI and the GUI queue do (issue 5).

    .venv/bin/python -m bench.load [--clips 200] [--batch 50] [--frames 4]

Every tenth clip is broken (zero bytes, random bytes, cut short, text, audio
only, a video stream with no frame), the rest are valid (moving gradients,
or carphone frames with a person in them, some with AAC audio). It prints the
process's RSS and peak RSS before the first clip and after each batch, what
each batch converted and refused, and the refusals grouped by message.
Memory is flat when RSS after the last batch is about RSS after the first:
nothing per clip is kept (frames, landmarkers, encoders, decoders).
Not a test: nothing is asserted, and timings are only printed.
"""

from __future__ import annotations

import argparse
import collections
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from app.base.errors import PoseCloakError  # noqa: E402
from app.base.settings import SkeletonSettings
from app.engine.jobs import ConvertJob
from app.engine.pipeline import convert  # noqa: E402
from app.pose.model import resolve_model  # noqa: E402
from tests.helpers.clips import frames_of, write_clip  # noqa: E402
from tests.helpers.corpus import gradient_frames, write_audio_only, write_no_frames  # noqa: E402

MEDIA = ROOT.parent / "shared" / "media"


def mib(n: int) -> str:
    return f"{n / 2**20:7.1f} MiB"


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def make_clips(folder: Path, count: int, frames: int) -> list[Path]:
    person = frames_of(MEDIA / "carphone_pristine.mp4", frames)
    good = write_clip(folder / "template.mp4", gradient_frames(frames))
    broken = [
        lambda p: p.write_bytes(b""),
        lambda p: p.write_bytes(bytes(range(256)) * 40),
        lambda p: p.write_bytes(good.read_bytes()[: good.stat().st_size // 2]),
        lambda p: p.write_text("not a video\n" * 50),
        lambda p: write_audio_only(p, 0.2),
        lambda p: write_no_frames(p),
    ]
    paths = []
    for i in range(count):
        path = folder / f"clip {i:03d}.mp4"
        if i % 10 == 9:
            broken[(i // 10) % len(broken)](path)
        elif i % 3 == 0:
            write_clip(path, person, audio="aac" if i % 6 == 0 else None)
        else:
            write_clip(path, gradient_frames(frames, 64 + 2 * (i % 5), 48))
        paths.append(path)
    return paths


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clips", type=int, default=200)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--frames", type=int, default=4, help="frames per clip")
    ap.add_argument("--model", type=Path, default=None)
    args = ap.parse_args()

    model = resolve_model(args.model, offline=True)
    me = psutil.Process()
    with tempfile.TemporaryDirectory(prefix="posecloak-load-") as tmp:
        folder, out = Path(tmp) / "in", Path(tmp) / "out"
        folder.mkdir()
        out.mkdir()
        t0 = time.monotonic()
        clips = make_clips(folder, args.clips, args.frames)
        print(f"generated {len(clips)} clips of {args.frames} frames in {time.monotonic() - t0:.1f} s")
        start_rss, start_peak = me.memory_info().rss, peak_rss()
        print(f"start:      RSS {mib(start_rss)}   peak RSS {mib(start_peak)}")
        settings = SkeletonSettings(jobs=1)
        done = failed = frames = 0
        refused: collections.Counter[str] = collections.Counter()
        after_first = None
        t0 = time.monotonic()
        for first in range(0, len(clips), args.batch):
            b_done = b_failed = 0
            for src in clips[first:first + args.batch]:
                target = out / f"{src.stem}_skeleton.mp4"
                try:
                    result = convert(ConvertJob(src, target, settings, (target.with_suffix(".json"),)),
                                     model)
                except PoseCloakError as exc:
                    b_failed += 1
                    refused[str(exc).split(": ", 1)[-1]] += 1
                    continue
                b_done += 1
                frames += result.frames
            done, failed = done + b_done, failed + b_failed
            rss = me.memory_info().rss
            after_first = after_first or rss
            last = min(first + args.batch, len(clips))
            print(f"clips {first + 1:3d}-{last:3d}: converted {b_done:3d}, refused {b_failed:2d}   "
                  f"RSS {mib(rss)}   peak RSS {mib(peak_rss())}   "
                  f"{time.monotonic() - t0:6.1f} s")
        end_rss, end_peak = me.memory_info().rss, peak_rss()
        partial = [p.name for p in out.iterdir() if ".posecloak-partial-" in p.name]
        print(f"end:        RSS {mib(end_rss)}   peak RSS {mib(end_peak)}")
        print(f"converted {done} clips ({frames} frames), refused {failed}; "
              f"outputs {len(list(out.glob('*.mp4')))}, temp files left {len(partial)}")
        print(f"RSS growth from the first batch to the end: {mib(end_rss - after_first)}")
        for message, n in refused.most_common():
            print(f"  {n:3d} x {message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
