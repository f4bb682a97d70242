"""``safedata validate PIPELINE``: check a pipeline completely and print its budget plan."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from safedata_core.commands import make_engine
from safedata_core.errors import PipelineValidationError, SafedataError
from safedata_core.schema import resolve_pipeline

if TYPE_CHECKING:
    from safedata_core.commands import Subparsers
    from safedata_core.schema.validate import ResolvedPipeline


def add_parser(sub: Subparsers) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "validate", help="validate a pipeline file and print its privacy budget plan"
    )
    p.add_argument("pipeline", help="pipeline YAML/JSON file")
    add_data_root(p)
    return p


def print_problems(pipeline: str, exc: PipelineValidationError) -> None:
    """Print every validation problem of ``pipeline`` with its path, on stderr."""
    print(f"error: {pipeline} is invalid ({len(exc.problems)} problem(s)):", file=sys.stderr)
    for path, msg in exc.problems:
        print(f"  {path or '<root>'}: {msg}", file=sys.stderr)


def add_data_root(p: argparse.ArgumentParser) -> None:
    """The ``--data-root DIR`` option (shared with ``safedata run``)."""
    p.add_argument(
        "--data-root",
        metavar="DIR",
        help="refuse any data, metadata, holdout or hierarchy path outside DIR (for embedding applications)",
    )


def run(args: argparse.Namespace) -> int:
    engine = make_engine(args)
    try:
        resolved = resolve_pipeline(args.pipeline, engine.registry, data_root=getattr(args, "data_root", None))
    except PipelineValidationError as exc:
        print_problems(args.pipeline, exc)
        return 2
    p = resolved.pipeline
    print(f"{args.pipeline}: valid ({len(resolved.steps)} step{'' if len(resolved.steps) == 1 else 's'})")
    if p.privacy is not None:
        print(
            f"budget: epsilon={p.privacy.epsilon:g} delta={p.privacy.delta:g} "
            f"accountant={p.privacy.accountant} noise={p.privacy.noise}"
        )
        for row in resolved.budget_plan():
            print(f"  {row['step']:<20} {row['use']:<18} epsilon={row['epsilon']:g} delta={row['delta']:g}")
    for w in [*resolved.warnings, *_review_warnings(resolved)]:
        print(f"warning: {w}")
    return 0


def _review_warnings(resolved: ResolvedPipeline) -> list[str]:
    """A DP pipeline whose metadata file still has drafted entries: the run would refuse those columns."""
    from safedata_core.data import Metadata
    from safedata_core.data.review import needs_review

    spec = resolved.pipeline.data
    if spec.metadata is None or not any(p.share is not None for p in resolved.steps):
        return []
    try:
        path = resolved.resolve_source(spec.metadata, "data.metadata")
        pending = needs_review(Metadata.load(path))
    except SafedataError:
        return []  # the run reports an unreadable metadata file with its own one-line error
    if not pending:
        return []
    shown = ", ".join(pending[:6]) + (f" and {len(pending) - 6} more" if len(pending) > 6 else "")
    return [
        f"data.metadata: {len(pending)} column(s) still marked for review (inferred: true): {shown}; DP steps "
        f"refuse them until you confirm their domains are public: safedata metadata confirm {spec.metadata}"
    ]
