"""`posecloak convert ... --cluster ADDRESS`: the batch on a Dask cluster,
with one progress bar for the whole batch and the same output lines,
one-line failures, summary and exit codes as a local run."""

from __future__ import annotations

import argparse
import sys

from app.base.errors import PoseCloakError
from app.cli.batch_view import error_line
from app.cli.progress import print_converted
from app.engine.messages import describe_error


def _print_outcome(outcome) -> None:
    job = outcome.job
    if outcome.error is not None:
        error_line(describe_error(outcome.error))
        return
    if outcome.skipped:
        print(f"{job.source.name} -> {job.output} (already converted; skipped)")
        return
    result = outcome.result
    print_converted(job, result)


def cmd_convert_on_cluster(args: argparse.Namespace) -> int:
    from app.engine.batch import EXIT_FAILED, EXIT_USAGE
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

    from app.base.files import file_sha256
    from app.cli.batch_view import exit_after
    from app.cli.planning import planned
    from app.cli.progress import ProgressBar
    from app.engine.batch import BatchReport
    from app.engine.cluster.batch import run_batch
    from app.engine.cluster.client import open_client

    plan = planned(args)
    if plan is None:
        return EXIT_FAILED
    jobs, problems, model = plan
    report = BatchReport(total=len(jobs), problems=len(problems))
    bar = ProgressBar("batch", sys.stderr, enabled=not args.quiet)

    def progress(p) -> None:
        bar.label = f"{p.files_done}/{p.files_total} files"
        bar.update(p)

    def outcome(o) -> None:
        bar.finish(None)  # the line goes above the bar, which redraws
        if o.error is not None:
            report.failed.append((o.job.source, describe_error(o.error)))
        else:
            report.done += 1
        _print_outcome(o)

    try:
        with open_client(target, insecure=args.insecure_cluster, tls=tls) as client:
            run_batch(client, jobs, model, file_sha256(model), on_outcome=outcome,
                      on_progress=progress)
    except KeyboardInterrupt:
        bar.finish(None)
        print("posecloak: interrupted; the unfinished outputs were removed.", file=sys.stderr)
        report.interrupted = True
    bar.finish(None)
    return exit_after(report, "Converted")
