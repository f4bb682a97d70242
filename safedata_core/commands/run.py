"""``safedata run PIPELINE [--out DIR] [--force]``: run a pipeline into a run directory."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from safedata_core.commands import make_engine
from safedata_core.commands.validate import run as validate_run
from safedata_core.errors import PipelineValidationError


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser("run", help="run a pipeline and write its run directory")
    p.add_argument("pipeline", help="pipeline YAML/JSON file")
    p.add_argument("--out", help="run directory (default: runs/<name>-<time>)")
    p.add_argument("--force", action="store_true", help="reuse a non-empty run directory")
    return p


def run(args: argparse.Namespace) -> int:
    engine = make_engine(args)
    try:
        resolved = engine.validate(args.pipeline)
    except PipelineValidationError:
        return validate_run(args)
    out = (
        Path(args.out)
        if args.out
        else Path("runs") / (f"{resolved.pipeline.name}-{datetime.now().strftime('%Y%m%d-%H%M%S')}")
    )
    result = engine.run(args.pipeline, out=out, force=args.force)
    if not result.ok:
        print(f"error: run failed: {result.error} (nothing was released; see {out / 'report.json'})", file=sys.stderr)
        return 1
    print(f"run succeeded: {out}")
    for step in result.released:
        print(f"  released/{step}.csv")
    spent = result.ledger.get("spent") or {}
    if result.ledger.get("budget"):
        print(
            f"  privacy spent: epsilon={spent.get('epsilon', 0):.4g} delta={spent.get('delta', 0):.3g} "
            f"of epsilon={result.ledger['budget']['epsilon']:g}"
        )
    print(f"  report: {out / 'report.html'}")
    return 0
