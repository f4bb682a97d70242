"""``safedata validate PIPELINE``: check a pipeline completely and print its budget plan."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from safedata_core.commands import make_engine
from safedata_core.errors import PipelineValidationError


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser("validate", help="validate a pipeline file and print its privacy budget plan")
    p.add_argument("pipeline", help="pipeline YAML/JSON file")
    return p


def print_problems(pipeline: str, exc: PipelineValidationError) -> None:
    """Print every validation problem of ``pipeline`` with its path, on stderr."""
    print(f"error: {pipeline} is invalid ({len(exc.problems)} problem(s)):", file=sys.stderr)
    for path, msg in exc.problems:
        print(f"  {path or '<root>'}: {msg}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    engine = make_engine(args)
    try:
        resolved = engine.validate(args.pipeline)
    except PipelineValidationError as exc:
        print_problems(args.pipeline, exc)
        return 2
    p = resolved.pipeline
    print(f"{args.pipeline}: valid ({len(resolved.steps)} step{'' if len(resolved.steps) == 1 else 's'})")
    if p.privacy is not None:
        print(f"budget: epsilon={p.privacy.epsilon:g} delta={p.privacy.delta:g} accountant={p.privacy.accountant}")
        for row in resolved.budget_plan():
            print(f"  {row['step']:<20} {row['use']:<18} epsilon={row['epsilon']:g} delta={row['delta']:g}")
    for w in resolved.warnings:
        print(f"warning: {w}")
    return 0
