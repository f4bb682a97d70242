"""``safedata tune TUNE.yaml --out DIR``: search configurations, with the tuning's privacy cost accounted.

safedata tune docs/examples/adult-tune.yaml --out tune-out
safedata tune tune.yaml --out tune-out --jobs 2          # trials in 2 local processes (public/nonprivate)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from safedata_core.commands import make_engine
from safedata_core.errors import PipelineValidationError

if TYPE_CHECKING:
    from safedata_core.commands import Subparsers

__all__ = ["add_parser", "run"]


def add_parser(sub: Subparsers) -> argparse.ArgumentParser:
    p = sub.add_parser("tune", help="search synthesizers and their params; private tuning is charged to the ledger")
    p.add_argument("tune_file", metavar="TUNE.yaml", help="tune file (see docs/concepts/tuning.md)")
    p.add_argument("--out", required=True, help="output directory (best.yaml, trials.csv, tune.html, ledger.json)")
    p.add_argument("--jobs", type=int, help="trials at once in local processes (overrides the file's jobs)")
    p.add_argument("--dask", help="Dask scheduler address, or 'local' (overrides the file's dask)")
    p.add_argument("--seed", type=int, help="seed of the search (overrides the file's seed; never the DP noise)")
    assert isinstance(p, argparse.ArgumentParser)
    return p


def run(args: argparse.Namespace) -> int:
    from safedata_core.tune import load_tune, tune
    from safedata_core.tune.search import MODE_TEXT

    try:
        spec = load_tune(args.tune_file)
    except PipelineValidationError as exc:
        print(f"error: {args.tune_file} is invalid ({len(exc.problems)} problem(s)):", file=sys.stderr)
        for path, msg in exc.problems:
            print(f"  {path or '<root>'}: {msg}", file=sys.stderr)
        return 2
    overrides = {k: v for k, v in (("jobs", args.jobs), ("dask", args.dask), ("seed", args.seed)) if v is not None}
    if overrides:
        spec = spec.model_copy(update=overrides)
    from safedata_core import Engine

    engine = make_engine(args) if not spec.plugins else Engine(plugins=list(spec.plugins))
    result = tune(spec, Path(args.out), engine=engine)
    ok = sum(1 for t in result.trials if t.status == "ok")
    print(f"mode: {MODE_TEXT[result.mode]}")
    print(f"trials: {len(result.trials)} run, {ok} ok")
    if result.best is None:
        print("no configuration found: nothing released", file=sys.stderr)
        return 1
    print(f"best: {result.best.config.key()} objective={result.best.objective:.4f}")
    if result.dp:
        print(f"epsilon spent (tuning included): {result.epsilon_spent:.6g}")
    else:
        print("NOT differentially private")
    print(f"outputs: {args.out}/best.yaml, trials.csv, tune.html, summary.json")
    return 0
