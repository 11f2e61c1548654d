"""What the person detector costs a default conversion (issue 26): the same
`posecloak convert` run by another checkout (the code before the detector)
and by this one, alternately, in one run, wall time of each.

    mkdir -p /tmp/detector/base && git archive 1e4ac41 | tar -x -C /tmp/detector/base
    (cd /tmp/detector/base && uv sync)
    uv run python -m bench.detector_cost [--base /tmp/detector/base] [--video vtest.avi]
                                         [--rounds 2] [--no-detector-too]

Each conversion runs in a fresh process with the checkout's own virtual
environment and the default settings (one pose worker per core). Old and new
alternate, so a machine that gets busier meanwhile slows both alike; the
median of the rounds is printed, and the ratio new / old. Each conversion's
process CPU time (user + sys of the child and its workers, from os.wait4)
is printed too: on a machine shared with other load it moves much less than
the wall time, which counts the time other processes had the cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("POSECLOAK_SHARED", ROOT.parent / "shared"))


def convert(checkout: Path, video: Path, out: Path, extra: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + sys, the process and its waited-for
    children) of one conversion."""
    env = dict(os.environ, POSECLOAK_MODEL=str(SHARED / "models" / "pose_landmarker_full.task"),
               POSECLOAK_OFFLINE="1")
    python = checkout / ".venv" / "bin" / "python"
    started = time.perf_counter()
    child = subprocess.Popen([str(python), "-m", "app", "convert", str(video), "-o", str(out),
                              *extra], cwd=checkout, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    # wait4, not Popen.wait: it also returns the child's resource usage, which
    # includes the pose workers it waited for.
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, child.args)
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", type=Path, default=Path("/tmp/detector/base"))
    parser.add_argument("--video", default="vtest.avi")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-detector-too", action="store_true",
                        help="also this checkout with --no-person-detector")
    args = parser.parse_args()
    video = SHARED / "media" / args.video
    setups = [("before (base)", args.base, []), ("detector", ROOT, [])]
    if args.no_detector_too:
        setups.append(("this checkout, --no-person-detector", ROOT, ["--no-person-detector"]))
    times: dict[str, list[float]] = {name: [] for name, _, _ in setups}
    cpu: dict[str, list[float]] = {name: [] for name, _, _ in setups}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for n, (name, checkout, extra) in enumerate(setups):
                t, c = convert(checkout, video, Path(tmp) / f"{r}-{n}.mp4", extra)
                times[name].append(t)
                cpu[name].append(c)
                print(f"round {r + 1}: {name}: {t:.1f} s wall, {c:.1f} s CPU", flush=True)
    base = statistics.median(times[setups[0][0]])
    base_cpu = statistics.median(cpu[setups[0][0]])
    for name, _, _ in setups:
        m, c = statistics.median(times[name]), statistics.median(cpu[name])
        print(f"{args.video} {name}: median {m:.1f} s wall ({m / base:.2f}x the base), "
              f"{c:.1f} s CPU ({c / base_cpu:.2f}x) over {args.rounds} rounds")


if __name__ == "__main__":
    main()
