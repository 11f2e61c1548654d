"""`posecloak convert ... --cluster ADDRESS`: the batch on a Dask cluster,
with one progress bar for the whole batch and the same output lines,
one-line failures, summary and exit codes as a local run."""

from __future__ import annotations

import argparse
import sys

from app.base.errors import PoseCloakError
from app.cli.progress import print_converted


def _print_outcome(outcome) -> None:
    from app.engine.messages import describe_error
    job = outcome.job
    if outcome.error is not None:
        print(f"posecloak: error: {describe_error(outcome.error)}", file=sys.stderr)
        return
    if outcome.skipped:
        print(f"{job.source.name} -> {job.output} (already converted; skipped)")
        return
    result = outcome.result
    print_converted(job, result)


def cmd_convert_on_cluster(args: argparse.Namespace) -> int:
    from app.cli.main import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE, _planned
    from app.engine.cluster.address import check_allowed, parse_cluster
    from app.engine.cluster.client import EXTRA_MISSING, connection_security, dask_available
    from app.engine.cluster.security import TlsFiles

    tls = TlsFiles(args.tls_ca_file, args.tls_cert, args.tls_key)
    try:  # bad usage: exit 2 before any work
        target = parse_cluster(args.cluster)
        check_allowed(target, args.insecure_cluster)
        tls.check()
        if not dask_available():
            raise PoseCloakError(EXTRA_MISSING)
        connection_security(target, args.insecure_cluster, tls)
    except PoseCloakError as exc:
        print(f"posecloak: error: {exc}", file=sys.stderr)
        return EXIT_USAGE

    from app.cli.progress import ProgressBar
    from app.engine.cluster.batch import run_batch
    from app.engine.cluster.client import open_client
    from app.pose.model import file_sha256

    planned = _planned(args)
    if planned is None:
        return EXIT_FAILED
    jobs, problems, model = planned
    bar = ProgressBar("batch", sys.stderr, enabled=not args.quiet)

    def progress(p) -> None:
        bar.label = f"{p.files_done}/{p.files_total} files"
        bar.update(p)

    def outcome(o) -> None:
        bar.finish(None)  # the line goes above the bar, which redraws
        _print_outcome(o)

    try:
        with open_client(target, insecure=args.insecure_cluster, tls=tls) as client:
            outcomes = run_batch(client, jobs, model, file_sha256(model), on_outcome=outcome,
                                 on_progress=progress)
    except KeyboardInterrupt:
        bar.finish(None)
        print("posecloak: interrupted; the unfinished outputs were removed.", file=sys.stderr)
        return EXIT_INTERRUPTED
    bar.finish(None)
    failed = sum(o.error is not None for o in outcomes)
    done = len(outcomes) - failed
    if len(jobs) > 1 or problems:
        total = len(jobs) + len(problems)
        print(f"Converted {done} of {total}; {total - done} failed.", file=sys.stderr)
    return EXIT_FAILED if failed or problems else 0
