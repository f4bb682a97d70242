"""The pipeline runner: load data, run validated steps in order, publish the run directory all at once.

Guarantees:
* nothing runs before the whole pipeline validated (the caller passes a
  :class:`~safedata_core.schema.ResolvedPipeline`), and nothing runs when a DP
  step would read undeclared columns or has no DP row count
  (:mod:`~safedata_core.pipeline.privacy_checks`);
* the run directory is locked for the whole run, everything is written into a
  staging folder and moved into place only when every step, the report and the
  ledger succeeded (:mod:`~safedata_core.pipeline.rundir`); a failed run
  publishes its report under ``internal/`` and no release;
* SIGINT/SIGTERM stop the run with a ``run_aborted`` audit event and no release
  (:mod:`~safedata_core.pipeline.interrupts`);
* every error ends the run with a one-line message naming the step (a
  component's traceback goes to the audit log only);
* every step is announced to the lifecycle hooks and sealed in the audit log;
  the ledger refuses any charge beyond a step's share;
* under DP, the exact input size is written nowhere outside ``internal/``.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
import traceback
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from safedata_core.audit import AuditLog
from safedata_core.data import Table
from safedata_core.data.normalize import category_warnings
from safedata_core.errors import ComponentError, SafedataError
from safedata_core.pipeline.context import RunContext, StepOutcome
from safedata_core.pipeline.dispatch import check_traits, component_classes, step_budget, step_inputs
from safedata_core.pipeline.interrupts import InterruptGuard, RunInterrupted
from safedata_core.pipeline.loading import drop_direct_identifiers, load_input
from safedata_core.pipeline.privacy_checks import check_dp_steps, dp_steps, reproducible_noise
from safedata_core.pipeline.publish import write_failure, write_internal, write_release, write_release_tables
from safedata_core.pipeline.record import RunRecord, StepRecord
from safedata_core.pipeline.recording import data_record, failed_step_record, run_record, step_record
from safedata_core.pipeline.rundir import RunDir
from safedata_core.pipeline.verdicts import run_outcome
from safedata_core.privacy import Budget, Ledger
from safedata_core.progress import progress_reporter
from safedata_core.schema.validate import PlannedStep, ResolvedPipeline

if TYPE_CHECKING:
    import pluggy

    from safedata_core.components import Component
    from safedata_core.registry import Registry

__all__ = ["RunResult", "run_pipeline", "step_seed"]


@dataclass
class RunResult:
    """What a run produced. ``released`` maps step ids to DataFrames.

    ``ok`` means the run ran to the end; ``verdict`` is the report's judgement
    (``"pass"`` or ``"fail"``; ``None`` when the run failed), ``release_verdicts``
    the judgement per released table and ``verdict_failures`` one line per
    failing release saying why. ``record`` is the typed account of the run
    (:class:`~safedata_core.pipeline.record.RunRecord`).
    """

    status: str
    released: dict[str, pd.DataFrame]
    report: dict[str, Any]
    ledger: dict[str, Any]
    run_dir: Path | None
    error: str | None = None
    audit_lines: list[str] = field(default_factory=list)
    verdict: str | None = None
    release_verdicts: dict[str, str] = field(default_factory=dict)
    verdict_failures: list[str] = field(default_factory=list)
    verdict_warnings: list[str] = field(default_factory=list)
    record: RunRecord | None = None

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"


def step_seed(seed: int, index: int) -> int:
    """A per-step seed derived from the pipeline seed (stable across runs)."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def pipeline_sha256(raw: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class _Refused(Exception):
    """A DP pre-check refused the run before any step: nothing is written."""

    def __init__(self, error: SafedataError) -> None:
        super().__init__(str(error))
        self.error = error


def run_pipeline(
    resolved: ResolvedPipeline,
    pm: pluggy.PluginManager,
    *,
    data: Table | pd.DataFrame | None = None,
    out: Path | None = None,
    force: bool = False,
    versions: dict[str, str] | None = None,
    registry: Registry | None = None,
) -> RunResult:
    """Run ``resolved``; publish the run directory ``out`` when given (``force``: replace its run).

    ``registry`` resolves steps the validator planned without a component (``profile``).
    Nothing is written when a step's component cannot be that step (its traits).
    """
    classes = component_classes(resolved, registry)
    check_traits(resolved, classes)
    from safedata_core.execution import active_session, pipeline_session

    if active_session() is not None or resolved.pipeline.execution.engine == "dask":
        from safedata_core.execution.support import require_dask_support

        require_dask_support(resolved, classes, [i.cls for i in registry] if registry is not None else ())
        with pipeline_session(resolved.pipeline.execution):
            return _run_pipeline(resolved, pm, classes, data=data, out=out, force=force, versions=versions)
    return _run_pipeline(resolved, pm, classes, data=data, out=out, force=force, versions=versions)


def _run_pipeline(
    resolved: ResolvedPipeline,
    pm: pluggy.PluginManager,
    classes: dict[str, type[Component]],
    *,
    data: Table | pd.DataFrame | None,
    out: Path | None,
    force: bool,
    versions: dict[str, str] | None,
) -> RunResult:
    run = _Run(resolved, pm, versions or {}, classes)
    rundir = RunDir(out, run.run_id, force=force).open() if out is not None else None
    guard = InterruptGuard()
    committed = False
    try:
        with guard:
            try:
                result = run.execute(data, guard, rundir.staging if rundir is not None else None, out)
                if rundir is not None:
                    rundir.commit()
                    committed = True
            except OSError as exc:  # disk full, read-only folder, ...: the whole run is dropped
                raise SafedataError(
                    f"writing the run into '{out}' failed ({exc.strerror or exc}); nothing was released "
                    "(check the free space and permissions of the run directory)"
                ) from None
    finally:
        if rundir is not None:
            if committed:
                rundir.close()
            else:
                rundir.discard()
    guard.redeliver()
    return result


class _Run:
    """One execution of a resolved pipeline."""

    def __init__(
        self,
        resolved: ResolvedPipeline,
        pm: pluggy.PluginManager,
        versions: dict[str, str],
        classes: dict[str, type[Component]],
    ) -> None:
        self.resolved = resolved
        self.classes = classes
        self.pm = pm
        self.versions = versions
        self.run_id = uuid.uuid4().hex[:12]
        self.sha = pipeline_sha256(resolved.raw)
        self.dp = bool(dp_steps(resolved))
        self.phase = "starting"  # what the run is doing, for errors and run_aborted
        self.step: str | None = None
        self.records: list[StepRecord] = []

    def execute(
        self, data: Table | pd.DataFrame | None, guard: InterruptGuard, stage: Path | None, out: Path | None
    ) -> RunResult:
        resolved, pipeline = self.resolved, self.resolved.pipeline
        audit = AuditLog(stage / "audit.jsonl" if stage is not None else None)
        if stage is not None:
            lock = {
                "pipeline": pipeline.model_dump(mode="json"),
                "pipeline_sha256": self.sha,
                "seed": pipeline.seed,
                "run_id": self.run_id,
                "python": platform.python_version(),
                "versions": self.versions,
                "budget_plan": resolved.budget_plan(),
            }
            (stage / "pipeline.lock.json").write_text(json.dumps(lock, indent=2, default=str) + "\n")
        audit.event(
            "run_start",
            run_id=self.run_id,
            pipeline=pipeline.name,
            pipeline_sha256=self.sha,
            seed=pipeline.seed,
            steps=[s.spec.id for s in resolved.steps],
            versions=self.versions,
        )
        priv = pipeline.privacy
        ledger = Ledger(
            Budget(priv.epsilon, priv.delta) if priv else None, accountant=priv.accountant if priv else "basic"
        )
        status: Literal["succeeded", "failed"] = "succeeded"
        error: str | None = None
        ctx: RunContext | None = None
        started = time.perf_counter()
        try:
            with guard.interruptible():
                ctx = self._context(data, ledger, audit, out)
                for index, plan in enumerate(resolved.steps):
                    self._run_step(plan, index, ctx)
                self.phase, self.step = "writing the release", None
                if stage is not None:
                    write_release_tables(ctx.outcomes, stage, pipeline.report.release_formats)
            if guard.pending is not None:  # a component swallowed the interrupt
                raise RunInterrupted(guard.pending)
        except _Refused as refusal:
            audit.close()
            raise refusal.error from None
        except RunInterrupted as exc:
            status = "failed"
            error = f"interrupted by {exc.signame} during {self.phase}; nothing was released"
            audit.abort(step=self.step, reason=f"{exc.signame} during {self.phase}")
        except Exception as exc:  # the run fails as a whole: nothing is released
            status = "failed"
            error = self._error_message(exc)
            # error texts can quote data values (e.g. a category missing from a hierarchy): the log keeps
            # only where and what kind of failure; the internal report has the message
            audit.event("run_failed", step=self.step, phase=self.phase, error_type=type(exc).__name__)
            if not isinstance(exc, SafedataError):
                audit.event("run_failed_traceback", traceback=traceback.format_exc(limit=8))
        seconds = time.perf_counter() - started
        released: dict[str, pd.DataFrame] = {}
        if status == "succeeded" and ctx is not None:
            released = {o.step: o.table.df for o in ctx.outcomes if o.released and o.table is not None}
            audit.event("run_succeeded", released=sorted(released), seconds=round(seconds, 3))
        ledger_dict = ledger.to_dict()
        audit.close()
        record = run_record(
            run_id=self.run_id,
            resolved=resolved,
            sha=self.sha,
            status=status,
            error=error,
            seconds=seconds,
            ledger=ledger,
            noise=("reproducible-test" if reproducible_noise(pipeline) else "secure") if self.dp else None,
            steps=self.records,
            warnings=ctx.coded_warnings if ctx is not None else [],
            data=data_record(ctx.data, ctx.holdout, ctx.dropped_identifiers) if ctx is not None else None,
            profile=ctx.profile if ctx is not None else None,
            versions=self.versions,
            audit_head=audit.head,
            audit_events=len(audit.lines) if ctx is not None else None,
        )
        report = self._report(record, ctx)
        if stage is not None:
            self._publish(report, ledger_dict, ctx, stage)
        outcome = run_outcome(report)
        return RunResult(
            status=status,
            released=released,
            report=report,
            ledger=ledger_dict,
            run_dir=out,
            error=error,
            audit_lines=audit.lines,
            verdict=outcome.verdict,
            release_verdicts=outcome.releases,
            verdict_failures=outcome.failures,
            verdict_warnings=outcome.warnings,
            record=record,
        )

    def _error_message(self, exc: Exception) -> str:
        """One line naming where the run failed (the step, or loading / writing) and why."""
        if not isinstance(exc, SafedataError):
            return f"{self.phase}: {type(exc).__name__}: {_one_line(exc)}"
        message = _one_line(exc)
        if self.step is not None and not message.startswith(f"step '{self.step}'"):
            return f"{self.phase}: {message}"
        return message

    def _report(self, record: RunRecord, ctx: RunContext | None) -> dict[str, Any]:
        """The report, built from the record and the tables it names (the input and each step's table)."""
        from safedata_core.report import build_report

        tables = {"data": ctx.data.df, **{k: t.df for k, t in ctx.tables.items()}} if ctx is not None else {}
        return build_report(record, tables)

    def _publish(self, report: dict[str, Any], ledger: dict[str, Any], ctx: RunContext | None, stage: Path) -> None:
        formats = self.resolved.pipeline.report.formats
        if report["run"]["status"] == "succeeded":
            write_release(report, ledger, stage, formats)
        else:
            write_failure(report, stage)
        write_internal(report, ctx.data.metadata.to_dict() if ctx is not None else None, stage, formats)

    # -- data ------------------------------------------------------------------
    def _context(
        self, data: Table | pd.DataFrame | None, ledger: Ledger, audit: AuditLog, out: Path | None
    ) -> RunContext:
        """Load the data, split the holdout, drop direct identifiers, check the DP steps' inputs."""
        pipeline = self.resolved.pipeline
        self.phase = "loading the data"
        reproducible = reproducible_noise(pipeline)
        table, holdout = load_input(self.resolved, self.pm, data, secret_split=self.dp and not reproducible)
        table, holdout, dropped = drop_direct_identifiers(table, holdout, pipeline.data.keep_direct_identifiers)
        try:
            check_dp_steps(self.resolved, table)
        except SafedataError as exc:
            raise _Refused(exc) from None
        ctx = RunContext(
            run_id=self.run_id,
            name=pipeline.name,
            seed=pipeline.seed,
            ledger=ledger,
            audit=audit,
            data=table,
            holdout=holdout,
            out=out,
            secure_noise=not reproducible,
            dropped_identifiers=dropped,
        )
        for message in category_warnings(table):  # declared categories vs the data, before any step
            ctx.warn("data.categories", message)
        sizes: dict[str, Any] = {"rows": len(table), "holdout_rows": len(holdout) if holdout is not None else 0}
        audit.event(
            "data_loaded",
            columns=len(table.columns),
            holdout=holdout is not None,
            dropped_direct_identifiers=dropped,
            **({"sizes_withheld": "the input size is private under DP"} if self.dp else sizes),
        )
        if self.dp and reproducible:
            ctx.warn(
                "dp.reproducible_noise",
                "DP noise was drawn from a generator seeded by the pipeline seed (reproducible-test mode): "
                "the release is NOT differentially private; use secure noise (the default) for a real release",
            )
        return ctx

    # -- steps -----------------------------------------------------------------
    def _run_step(self, plan: PlannedStep, index: int, ctx: RunContext) -> None:
        spec, pm = plan.spec, self.pm
        self.phase, self.step = f"step '{spec.id}' ({spec.use})", spec.id
        seed = step_seed(ctx.seed, index)
        pm.hook.before_step(step=spec, context=ctx)
        ctx.audit.event(
            "step_start",
            step=spec.id,
            use=spec.use,
            kind=plan.kind,
            input=spec.input,
            target=plan.target,
            share=plan.share.to_dict() if plan.share else None,
        )
        started = time.perf_counter()
        outcome = StepOutcome(step=spec.id, use=spec.use, kind=plan.kind, share=plan.share)

        def forward(done: int, total: int | None, unit: str, info: Mapping[str, object]) -> None:
            pm.hook.on_progress(step=spec, done=done, total=total, unit=unit, info=info, context=ctx)

        try:
            with progress_reporter(forward):
                self._apply(plan, seed, ctx, outcome)
        except BaseException as exc:
            failure = self._failed(plan, exc, ctx)
            if failure is exc:
                raise
            raise failure from exc
        outcome.seconds = time.perf_counter() - started
        if outcome.table is not None:
            ctx.tables[spec.id] = outcome.table
            outcome.released = plan.releases
        ctx.outcomes.append(outcome)
        charges = len(ctx.ledger.events(spec.id))
        self.records.append(step_record(plan, outcome, charges=charges, warnings=ctx.coded_warnings))
        pm.hook.after_step(step=spec, outcome=outcome, context=ctx)
        # under DP the size of a non-DP table (a profile, an SDC step's output) is the input size
        rows = len(outcome.table) if outcome.table is not None and (not self.dp or plan.share is not None) else None
        ctx.audit.event(
            "step_end",
            step=spec.id,
            use=spec.use,
            seconds=round(outcome.seconds, 3),
            rows=rows,
            spent=outcome.spent.to_dict() if outcome.spent else None,
            charges=charges,
        )

    def _failed(self, plan: PlannedStep, exc: BaseException, ctx: RunContext) -> BaseException:
        """Tell the hooks, the audit log and the record; a foreign exception becomes a one-line ComponentError."""
        spec = plan.spec
        self.pm.hook.on_step_error(step=spec, error=exc, context=ctx)
        foreign = isinstance(exc, Exception) and not isinstance(exc, SafedataError)
        details = {"traceback": traceback.format_exc(limit=12)} if foreign else {}
        ctx.audit.event("step_failed", step=spec.id, use=spec.use, error_type=type(exc).__name__, **details)
        failure = exc
        if foreign:
            failure = ComponentError(
                f"step '{spec.id}' ({spec.use}) failed with {type(exc).__name__}: {_one_line(exc)} "
                "(a defect in the component; its traceback is in audit.jsonl)"
            )
        self.records.append(failed_step_record(plan, _one_line(failure), charges=len(ctx.ledger.events(spec.id))))
        return failure

    def _apply(self, plan: PlannedStep, seed: int, ctx: RunContext, outcome: StepOutcome) -> None:
        """Run the step's component (it dispatches itself) and record what it produced and spent."""
        spec = plan.spec
        component = self.classes[spec.id](plan.params)
        budget = step_budget(plan, ctx, seed)
        output = component.run_step(step_inputs(plan, component, ctx, seed, budget))
        outcome.table, outcome.result = output.table, output.result
        outcome.extras = {**component.report_extras(), **output.extras}
        ctx.facts.update(output.facts)
        if budget is not None:
            outcome.spent = budget.spent()
            if not ctx.ledger.events(spec.id):
                ctx.warn(
                    "dp.no_charge", f"step '{spec.id}': DP component '{spec.use}' recorded no charge", step=spec.id
                )
