"""Batch throughput on a Dask cluster with 1 and 2 workers.

    uv run python bench/cluster.py [--files 6] [--frames 60]

Cuts `--files` clips of `--frames` frames from carphone_pristine.mp4, then
converts the batch (video + keypoint JSON, --jobs 1 per file) on a
LocalCluster of worker processes with 1 worker and with 2 workers, in one
run, so machine noise hits both alike. The cluster is started and its
workers have the model before the clock starts: the figures are the
batch itself (files per second, frames per second over the cluster), and
the ratio of 2 workers to 1.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"


def _batch(workers: int, inputs: list[Path], out: Path, model: Path) -> tuple[float, int]:
    from distributed import Client, LocalCluster

    from app.base.settings import SkeletonSettings
    from app.engine.cluster.batch import run_batch
    from app.engine.jobs import default_output_for, plan_job
    from app.pose.model import file_sha256
    settings = SkeletonSettings(jobs=1)
    jobs = [plan_job(p, settings, default_output_for(p, out), keypoint_formats=("json",))
            for p in inputs]
    out.mkdir(parents=True)
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.wait_for_workers(workers)
        client.run(lambda: __import__("app.engine.pipeline"))  # imports off the clock
        started = time.monotonic()
        outcomes = run_batch(client, jobs, model, file_sha256(model), on_outcome=lambda o: None)
        elapsed = time.monotonic() - started
    failed = [o for o in outcomes if o.error is not None]
    if failed:
        raise SystemExit(f"bench: {len(failed)} file(s) failed: {failed[0].error}")
    return elapsed, sum(o.result.frames for o in outcomes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=6)
    parser.add_argument("--frames", type=int, default=60)
    args = parser.parse_args()
    from tests.helpers.cluster import make_archive
    model = SHARED / "models" / "pose_landmarker_full.task"
    with tempfile.TemporaryDirectory() as tmp:
        inputs = make_archive(Path(tmp) / "in", SHARED / "media" / "carphone_pristine.mp4",
                              [args.frames] * args.files, broken=False)
        results = {}
        for workers in (1, 2):
            elapsed, frames = _batch(workers, inputs, Path(tmp) / f"out{workers}", model)
            results[workers] = elapsed
            print(f"{workers} worker(s): {len(inputs)} files, {frames} frames in {elapsed:.1f} s"
                  f" = {len(inputs) / elapsed:.2f} files/s, {frames / elapsed:.1f} fps")
        print(f"2 workers / 1 worker: {results[1] / results[2]:.2f}x the batch throughput")


if __name__ == "__main__":
    main()
