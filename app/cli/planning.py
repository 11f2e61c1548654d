"""What a command's arguments name, before any work: the input files (each
problem printed as one line), the planned conversion jobs and the model.
Shared by `convert` (app/cli/main.py) and its cluster form
(app/cli/cluster_command.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.arguments import plan_jobs, settings_from_args
from app.cli.batch_view import error_line


def model_path(args: argparse.Namespace) -> Path:
    from app.cli.progress import DownloadBar
    from app.engine.model_ready import ready_model
    return ready_model(args.model, args.model_variant, offline=True if args.offline else None,
                       progress=DownloadBar(sys.stderr))


def inputs_of(args: argparse.Namespace) -> tuple[list[Path], list[str]]:
    """The files the arguments name, and the problems, each already printed
    as one error line."""
    from app.engine.jobs import expand_inputs
    inputs, problems = expand_inputs(args.inputs)
    for message in problems:
        error_line(message)
    return inputs, problems


def planned(args: argparse.Namespace):
    """(jobs, input problems, model path) for `convert`, or None when no
    input was usable (the problems are printed)."""
    inputs, problems = inputs_of(args)
    if not inputs:
        return None
    jobs = plan_jobs(args, inputs, settings_from_args(args))
    return jobs, problems, model_path(args)
