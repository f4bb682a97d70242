"""``safedata run PIPELINE``: run a pipeline into a run directory, with progress, ``--json``, ``--quiet``, ``--set``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safedata_core.commands import make_engine
from safedata_core.commands.validate import add_data_root, print_problems
from safedata_core.errors import PipelineValidationError, SafedataError
from safedata_core.hookspecs import hookimpl

if TYPE_CHECKING:
    from safedata_core.commands import Subparsers
    from safedata_core.pipeline.context import RunContext, StepOutcome
    from safedata_core.pipeline.runner import RunResult
    from safedata_core.registry import Registry
    from safedata_core.schema.pipeline import StepSpec
    from safedata_core.schema.validate import ResolvedPipeline

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

While it runs, one progress line per step goes to stderr (step, component,
seconds, epsilon spent so far); --quiet keeps only errors. --json prints one
JSON object on stdout: ok, exit_code, status, verdict, verdicts per release,
run_dir, released steps, the ledger's budget and spent totals, and error.

examples:
  safedata run docs/examples/adult-sdc.yaml --out runs/sdc
  safedata run pipeline.yaml --out runs/mine --force --allow-fail-verdict
  safedata run pipeline.yaml --set steps.synth.privacy.epsilon=0.5 --set seed=3
  safedata run pipeline.yaml --out runs/ci --json --quiet > result.json"""


def add_parser(sub: Subparsers) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
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
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a pipeline field by dotted path, steps by id (repeatable): steps.synth.privacy.epsilon=0.5",
    )
    p.add_argument("--json", action="store_true", help="print the result as one JSON object on stdout")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors (and --json's object)")
    add_data_root(p)
    p.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run on a Dask cluster (tcp://host:8786, or 'local' for a 2-worker LocalCluster); "
        "overrides the pipeline's execution setting",
    )
    return p


class Progress:
    """Lifecycle hooks that print one line per step (and new run warnings) on stderr."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.index = 0
        self.shown_warnings = 0

    def _warnings(self, context: RunContext) -> None:
        for message in context.warnings[self.shown_warnings :]:
            print(f"warning: {message}", file=sys.stderr)
        self.shown_warnings = len(context.warnings)

    @staticmethod
    def _epsilon(context: RunContext) -> str:
        budget = context.ledger.budget
        if budget is None:
            return ""
        return f", epsilon spent {context.ledger.spent().epsilon:.4g} of {budget.epsilon:g}"

    @hookimpl
    def before_step(self, step: StepSpec, context: RunContext) -> None:
        self.index += 1
        self._warnings(context)

    @hookimpl
    def after_step(self, step: StepSpec, outcome: StepOutcome, context: RunContext) -> None:
        print(
            f"[{self.index}/{self.total}] {step.id} ({step.use}): {outcome.seconds:.1f} s{self._epsilon(context)}",
            file=sys.stderr,
        )
        self._warnings(context)


def _resolve(args: argparse.Namespace, registry: Registry) -> ResolvedPipeline:
    from safedata_core.pipeline.overrides import apply_overrides
    from safedata_core.schema import resolve_pipeline
    from safedata_core.schema.validate import load_pipeline

    data_root = getattr(args, "data_root", None)
    if not args.overrides:
        return resolve_pipeline(args.pipeline, registry, data_root=data_root)
    raw, folder = load_pipeline(args.pipeline)
    return resolve_pipeline(apply_overrides(raw, args.overrides), registry, data_root=data_root, base_dir=folder)


def summary(result: RunResult | None, code: int, out: Path | None, error: str | None = None) -> dict[str, Any]:
    """The ``--json`` object: what a script needs to act on a run."""
    ledger = result.ledger if result is not None else {}
    return {
        "ok": code == 0,
        "exit_code": code,
        "status": result.status if result is not None else "not started",
        "verdict": result.verdict if result is not None else None,
        "verdicts": dict(result.release_verdicts) if result is not None else {},
        "verdict_failures": list(result.verdict_failures) if result is not None else [],
        "run_dir": str(out) if out is not None and result is not None else None,
        "released": sorted(result.released) if result is not None else [],
        "ledger": {"budget": ledger.get("budget"), "spent": ledger.get("spent")},
        "error": error if error is not None else (result.error if result is not None else None),
    }


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except SafedataError as exc:
        if not args.json:
            raise
        print(f"error: {exc}", file=sys.stderr)
        print(json.dumps(summary(None, 2, None, str(exc))))
        return 2


def _run(args: argparse.Namespace) -> int:
    engine = make_engine(args)
    try:
        resolved = _resolve(args, engine.registry)
    except PipelineValidationError as exc:
        print_problems(args.pipeline, exc)
        if args.json:
            print(json.dumps(summary(None, 2, None, str(exc))))
        return 2
    out = (
        Path(args.out)
        if args.out
        else Path("runs") / (f"{resolved.pipeline.name}-{datetime.now().strftime('%Y%m%d-%H%M%S')}")
    )
    if not args.quiet:
        engine.pm.register(Progress(len(resolved.steps)))
    if getattr(args, "dask", None):
        from safedata_core.execution import dask_session

        with dask_session(args.dask, partitions=resolved.pipeline.execution.partitions):
            result = engine.run(resolved, out=out, force=args.force)
    else:
        result = engine.run(resolved, out=out, force=args.force)
    code = _exit_code(result, args.allow_fail_verdict)
    if args.json:
        print(json.dumps(summary(result, code, out), default=str))
    if not result.ok:
        print(
            f"error: run failed: {result.error} (nothing was released; see {out / 'run-failed.txt'})", file=sys.stderr
        )
        return code
    if result.verdict == "fail":
        for line in result.verdict_failures:
            print(f"verdict FAIL: {line}", file=sys.stderr)
    if not args.quiet and not args.json:
        _print_result(result, resolved, out)
    return code


def _exit_code(result: RunResult, allow_fail_verdict: bool) -> int:
    if not result.ok:
        return 1
    return 3 if result.verdict == "fail" and not allow_fail_verdict else 0


def _print_result(result: RunResult, resolved: ResolvedPipeline, out: Path) -> None:
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
