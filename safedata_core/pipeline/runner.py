"""The pipeline runner: load data, run validated steps in order, write the run directory.

Guarantees:
* nothing runs before the whole pipeline validated (the caller passes a
  :class:`~safedata_core.schema.ResolvedPipeline`);
* released tables are held in memory and written only when every step
  succeeded, so a failed run leaves no released table behind;
* every step is announced to the lifecycle hooks and sealed in the audit log;
* the ledger refuses any charge beyond a step's share.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from safedata_core.audit import AuditLog
from safedata_core.data import Metadata, Table, write_table
from safedata_core.errors import DataError, SafedataError
from safedata_core.pipeline.context import RunContext, StepOutcome
from safedata_core.privacy import Budget, Ledger, NoiseSource
from safedata_core.schema.validate import PlannedStep, ResolvedPipeline

if TYPE_CHECKING:
    import pluggy

__all__ = ["RunResult", "run_pipeline", "step_seed"]


@dataclass
class RunResult:
    """What a run produced. ``released`` maps step ids to DataFrames."""

    status: str
    released: dict[str, pd.DataFrame]
    report: dict[str, Any]
    ledger: dict[str, Any]
    run_dir: Path | None
    error: str | None = None
    audit_lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"


def step_seed(seed: int, index: int) -> int:
    """A per-step seed derived from the pipeline seed (stable across runs)."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def pipeline_sha256(raw: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()


def prepare_run_dir(out: Path, *, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise SafedataError(f"--out '{out}' is a file; give a folder for the run directory")
    if out.exists() and any(out.iterdir()) and not force:
        raise SafedataError(f"run directory '{out}' is not empty (choose a new --out or pass --force)")
    if force and out.exists():
        for sub in ("released",):
            d = out / sub
            if d.is_dir():
                for f in d.iterdir():
                    f.unlink()
    out.mkdir(parents=True, exist_ok=True)


def _load_data(
    resolved: ResolvedPipeline, pm: pluggy.PluginManager, data: Table | pd.DataFrame | None
) -> tuple[Table, Table | None]:
    spec = resolved.pipeline.data
    base = resolved.base_dir
    meta: Metadata | None = None
    if spec.metadata:
        meta = Metadata.load(_resolve(spec.metadata, base))

    def read(source: str) -> Table:
        options: dict[str, object] = {"metadata": meta} if meta is not None else {}
        table = pm.hook.read_table(source=_resolve(source, base), options=options)
        if table is None:
            raise DataError(f"no reader recognised data source '{source}' (give a CSV/Parquet path or builtin:NAME)")
        return table

    if data is not None:
        table = data if isinstance(data, Table) else Table.from_dataframe(data, meta, source="data")
    else:
        table = read(spec.source)
    if spec.columns:
        table = table.select(spec.columns)
    holdout: Table | None = None
    if isinstance(spec.holdout, str):
        holdout = read(spec.holdout)
        holdout.require_columns(table.columns, where="data.holdout")
        holdout = Table.from_dataframe(holdout.df[table.columns], table.metadata, source=spec.holdout)
    elif isinstance(spec.holdout, float):
        rng = np.random.default_rng(step_seed(resolved.pipeline.seed, 10_000))
        idx = rng.permutation(len(table))
        n_hold = round(len(table) * spec.holdout)
        if n_hold < 1 or n_hold >= len(table):
            raise DataError(f"data.holdout={spec.holdout} leaves an empty split on {len(table)} rows")
        hold_idx, keep_idx = np.sort(idx[:n_hold]), np.sort(idx[n_hold:])
        holdout = table.with_df(table.df.iloc[hold_idx].reset_index(drop=True))
        table = table.with_df(table.df.iloc[keep_idx].reset_index(drop=True))
    return table, holdout


def _resolve(source: str, base: Path) -> str:
    if ":" in source.split("/")[0] and not Path(source).exists():
        return source  # a scheme such as builtin: or s3:
    p = Path(source)
    return str(p if p.is_absolute() else base / p)


def _drop_direct_identifiers(table: Table, holdout: Table | None, keep: bool) -> tuple[Table, Table | None, list[str]]:
    ids = table.metadata.direct_identifiers
    if keep or not ids:
        return table, holdout, []
    cols = [c for c in table.columns if c not in ids]
    return table.select(cols), holdout.select(cols) if holdout is not None else None, ids


def run_pipeline(
    resolved: ResolvedPipeline,
    pm: pluggy.PluginManager,
    *,
    data: Table | pd.DataFrame | None = None,
    out: Path | None = None,
    force: bool = False,
    versions: dict[str, str] | None = None,
) -> RunResult:
    """Run ``resolved``; write the run directory to ``out`` when given."""
    from safedata_core.report import build_report, write_report

    pipeline = resolved.pipeline
    if out is not None:
        prepare_run_dir(out, force=force)
    sha = pipeline_sha256(resolved.raw)
    run_id = uuid.uuid4().hex[:12]
    audit = AuditLog(out / "audit.jsonl" if out is not None else None)
    versions = versions or {}
    lock = {
        "pipeline": pipeline.model_dump(mode="json"),
        "pipeline_sha256": sha,
        "seed": pipeline.seed,
        "run_id": run_id,
        "python": platform.python_version(),
        "versions": versions,
        "budget_plan": resolved.budget_plan(),
    }
    if out is not None:
        (out / "pipeline.lock.json").write_text(json.dumps(lock, indent=2, default=str) + "\n")
    audit.event(
        "run_start",
        run_id=run_id,
        pipeline=pipeline.name,
        pipeline_sha256=sha,
        seed=pipeline.seed,
        steps=[s.spec.id for s in resolved.steps],
        versions=versions,
    )
    priv = pipeline.privacy
    ledger = Ledger(Budget(priv.epsilon, priv.delta) if priv else None, accountant=priv.accountant if priv else "basic")
    status, error, ctx = "succeeded", None, None
    started = time.perf_counter()
    try:
        table, holdout = _load_data(resolved, pm, data)
        table, holdout, dropped = _drop_direct_identifiers(table, holdout, pipeline.data.keep_direct_identifiers)
        ctx = RunContext(
            run_id=run_id,
            name=pipeline.name,
            seed=pipeline.seed,
            ledger=ledger,
            audit=audit,
            data=table,
            holdout=holdout,
            out=out,
            secure_noise=bool(priv and priv.secure),
            dropped_identifiers=dropped,
        )
        audit.event(
            "data_loaded",
            rows=len(table),
            columns=len(table.columns),
            holdout_rows=len(holdout) if holdout is not None else 0,
            dropped_direct_identifiers=dropped,
        )
        if priv is not None and not priv.secure:
            ctx.warnings.append(
                "DP noise was drawn from a seeded pseudo-random generator (privacy.secure is "
                "false): fine for experiments, set secure: true for a real release"
            )
        for index, plan in enumerate(resolved.steps):
            _run_step(plan, index, ctx, pm)
    except Exception as exc:  # the run fails as a whole: nothing is released
        status = "failed"
        error = str(exc) if isinstance(exc, SafedataError) else f"{type(exc).__name__}: {exc}"
        audit.event("run_failed", error=error.splitlines()[0] if error else "")
        if not isinstance(exc, SafedataError):
            import traceback

            audit.event("run_failed_traceback", traceback=traceback.format_exc(limit=8))
    seconds = time.perf_counter() - started
    released: dict[str, pd.DataFrame] = {}
    if status == "succeeded" and ctx is not None:
        for outcome in ctx.outcomes:
            if outcome.released and outcome.table is not None:
                released[outcome.step] = outcome.table.df
                if out is not None:
                    for fmt in pipeline.report.release_formats:
                        write_table(outcome.table, out / "released" / f"{outcome.step}.{fmt}")
        audit.event("run_succeeded", released=sorted(released), seconds=round(seconds, 3))
    ledger_dict = ledger.to_dict()
    audit.close()
    report = build_report(
        resolved=resolved,
        ctx=ctx,
        ledger=ledger_dict,
        status=status,
        error=error,
        pipeline_sha256=sha,
        run_id=run_id,
        versions=versions,
        seconds=seconds,
        audit_head=audit.head,
    )
    if out is not None:
        (out / "ledger.json").write_text(json.dumps(ledger_dict, indent=2) + "\n")
        if ctx is not None:
            (out / "metadata.json").write_text(json.dumps(ctx.data.metadata.to_dict(), indent=2) + "\n")
        write_report(report, out, formats=pipeline.report.formats)
    return RunResult(
        status=status,
        released=released,
        report=report,
        ledger=ledger_dict,
        run_dir=out,
        error=error,
        audit_lines=audit.lines,
    )


def _run_step(plan: PlannedStep, index: int, ctx: RunContext, pm: pluggy.PluginManager) -> None:
    spec = plan.spec
    seed = step_seed(ctx.seed, index)
    source = ctx.table(spec.input)
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
    try:
        if plan.kind == "profile":
            from safedata_core.inventory import profile_step

            profile, mask = profile_step(source, plan.params)  # type: ignore[arg-type]
            ctx.profile, ctx.rare_mask = profile, mask
            outcome.result = profile
        else:
            assert plan.info is not None
            component = plan.info.cls(plan.params)
            budget = ctx.ledger.share(spec.id, spec.use, plan.share) if plan.share is not None else None
            if budget is not None and not ctx.secure_noise:
                budget.noise = NoiseSource.reproducible(seed)
            if plan.kind == "synthesizer":
                component.fit(source, budget=budget, seed=seed)  # type: ignore[attr-defined]
                outcome.table = component.sample(spec.rows or len(source), seed=seed + 1)  # type: ignore[attr-defined]
            elif plan.kind == "sdc":
                rows = _target_rows(plan, source, ctx)
                res = component.apply(source, seed=seed, rows=rows)  # type: ignore[attr-defined]
                outcome.table, outcome.result = res.table, dict(res.changes)
            elif plan.kind == "mechanism":
                assert budget is not None
                outcome.table = component.release(source, budget=budget, seed=seed)  # type: ignore[attr-defined]
            elif plan.kind == "attack":
                target = ctx.table(plan.target or "data")
                outcome.result = component.run(ctx.data, target, ctx.holdout, seed=seed).to_dict()  # type: ignore[attr-defined]
            elif plan.kind == "metric":
                target = ctx.table(plan.target or "data")
                outcome.result = component.compute(ctx.data, target, holdout=ctx.holdout, seed=seed).to_dict()  # type: ignore[attr-defined]
            outcome.extras = component.report_extras()
            if budget is not None:
                outcome.spent = budget.spent()
                if not ctx.ledger.events(spec.id):
                    ctx.warnings.append(f"step '{spec.id}': DP component '{spec.use}' recorded no charge")
    except BaseException as exc:
        pm.hook.on_step_error(step=spec, error=exc, context=ctx)
        ctx.audit.event("step_failed", step=spec.id, use=spec.use, error_type=type(exc).__name__)
        raise
    outcome.seconds = time.perf_counter() - started
    if outcome.table is not None:
        ctx.tables[spec.id] = outcome.table
        outcome.released = plan.releases
    ctx.outcomes.append(outcome)
    pm.hook.after_step(step=spec, outcome=outcome, context=ctx)
    ctx.audit.event(
        "step_end",
        step=spec.id,
        use=spec.use,
        seconds=round(outcome.seconds, 3),
        rows=len(outcome.table) if outcome.table is not None else None,
        spent=outcome.spent.to_dict() if outcome.spent else None,
        charges=len(ctx.ledger.events(spec.id)),
    )


def _target_rows(plan: PlannedStep, source: Table, ctx: RunContext) -> np.ndarray | None:
    if plan.target != "rare":
        return None
    from safedata_core.inventory.risk import rare_mask

    assert ctx.profile is not None
    qis = ctx.profile["quasi_identifiers"]
    source.require_columns(qis, where=f"step '{plan.spec.id}' (target: rare)")
    return rare_mask(source.df, qis, int(ctx.profile.get("k", 5)))
