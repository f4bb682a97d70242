"""``safedata run PIPELINE [--out DIR] [--force] [--allow-fail-verdict]``: run a pipeline into a run directory."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from safedata_core.commands import make_engine
from safedata_core.commands.validate import print_problems
from safedata_core.errors import PipelineValidationError

EXIT_CODES = """\
exit codes:
  0    the run succeeded and its verdict passed (or failed, with --allow-fail-verdict)
  1    the run started and failed: nothing was released; DIR/run-failed.txt and
       DIR/internal/report.json say why
  2    the run could not start: invalid pipeline, run directory not empty or in use,
       a DP step reading undeclared columns or without a DP row count, ...
  3    the run succeeded but its verdict is FAIL: DIR/release/ is written and the
       failing releases are printed, one line each
  130  interrupted (SIGINT; SIGTERM ends the process as usual): nothing was released

DIR/release/ is the package safe to publish (tables, DP-only report, ledger, model card);
DIR/internal/ holds the full evaluation report, which is NOT for publication.
See docs/concepts/run-directory.md.

examples:
  safedata run docs/examples/adult-sdc.yaml --out runs/sdc
  safedata run pipeline.yaml --out runs/mine --force --allow-fail-verdict"""


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "run",
        help="run a pipeline and write its run directory",
        description="Validate PIPELINE, run it, and publish its run directory all at once\nwhen it ends.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("pipeline", help="pipeline YAML/JSON file")
    p.add_argument("--out", help="run directory (default: runs/<name>-<time>)")
    p.add_argument(
        "--force",
        action="store_true",
        help="replace the run already in the run directory (all of it, once this run ends)",
    )
    p.add_argument(
        "--allow-fail-verdict",
        action="store_true",
        help="exit 0 when the run succeeded even if its verdict is FAIL (default: exit 3)",
    )
    p.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run on a Dask cluster (tcp://host:8786, or 'local' for a 2-worker LocalCluster); "
        "overrides the pipeline's execution setting",
    )
    return p


def run(args: argparse.Namespace) -> int:
    engine = make_engine(args)
    try:
        resolved = engine.validate(args.pipeline)
    except PipelineValidationError as exc:
        print_problems(args.pipeline, exc)
        return 2
    out = (
        Path(args.out)
        if args.out
        else Path("runs") / (f"{resolved.pipeline.name}-{datetime.now().strftime('%Y%m%d-%H%M%S')}")
    )
    if getattr(args, "dask", None):
        from safedata_core.execution import dask_session

        with dask_session(args.dask, partitions=resolved.pipeline.execution.partitions):
            result = engine.run(resolved, out=out, force=args.force)
    else:
        result = engine.run(resolved, out=out, force=args.force)
    if not result.ok:
        print(
            f"error: run failed: {result.error} (nothing was released; see {out / 'run-failed.txt'})", file=sys.stderr
        )
        return 1
    print(f"run succeeded: {out}")
    for step in result.released:
        print(f"  release/{step}.csv")
    spent = result.ledger.get("spent") or {}
    if result.ledger.get("budget"):
        print(
            f"  privacy spent: epsilon={spent.get('epsilon', 0):.4g} delta={spent.get('delta', 0):.3g} "
            f"of epsilon={result.ledger['budget']['epsilon']:g}"
        )
    report = "report.html" if "html" in resolved.pipeline.report.formats else "report.json"
    print(f"  report to publish: {out / 'release' / report}")
    print(f"  full evaluation (not for publication): {out / 'internal' / report}")
    for warning in result.verdict_warnings:
        print(f"warning: {warning}")
    print(f"verdict: {(result.verdict or 'none').upper()}")
    if result.verdict == "fail":
        for line in result.verdict_failures:
            print(f"verdict FAIL: {line}", file=sys.stderr)
        if not args.allow_fail_verdict:
            return 3
    return 0
