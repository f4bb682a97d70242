"""Filling the :class:`~safedata_core.pipeline.record.RunRecord` from the validated plan and what the run did."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

from safedata_core.pipeline.record import (
    BudgetRecord,
    ComponentRecord,
    DataRecord,
    EvaluationRecord,
    ReleaseRecord,
    RunRecord,
    RunWarning,
    StepRecord,
)

if TYPE_CHECKING:
    from safedata_core.data import Table
    from safedata_core.pipeline.context import StepOutcome
    from safedata_core.privacy import Ledger
    from safedata_core.schema.validate import PlannedStep, ResolvedPipeline

__all__ = [
    "NOT_A_TABLE",
    "component_records",
    "data_record",
    "doc_section",
    "failed_step_record",
    "run_record",
    "step_record",
]

_SECTION_RE = re.compile(r"\*\*(?P<title>[^*]+)\*\*\s*:?\s*(?P<body>.*?)(?=\n\s*\n|\n\s*\*\*|\Z)", re.S)


def doc_section(doc: str | None, title: str) -> str | None:
    """The text of a ``**Title**: ...`` paragraph of a component docstring, on one line."""
    for m in _SECTION_RE.finditer(doc or ""):
        if m.group("title").strip().lower() == title.lower():
            return " ".join(m.group("body").split()) or None
    return None


def component_records(resolved: ResolvedPipeline) -> list[ComponentRecord]:
    """What each planned step uses: component, origin, declared privacy and documented guarantee."""
    out = []
    for plan in resolved.steps:
        info = plan.info
        params = plan.params.model_dump(mode="json") if plan.params is not None else {}
        row: dict[str, Any] = {
            "step": plan.spec.id,
            "use": plan.spec.use,
            "kind": plan.kind,
            "params": params,
            "target": plan.target,
            "share": BudgetRecord.of(plan.share),
        }
        if info is not None:
            doc = info.cls.__doc__
            row.update(
                privacy=info.privacy,
                plugin=info.plugin,
                distribution=info.distribution,
                version=info.version,
                summary=info.cls.summary(),
                privacy_guarantee=doc_section(doc, "Privacy guarantee"),
                assumptions=doc_section(doc, "Assumptions"),
                dp_active=info.privacy == "dp" and bool(params.get("dp", True)),
            )
        out.append(ComponentRecord(**row))
    return out


def data_record(data: Table, holdout: Table | None, dropped: list[str]) -> DataRecord:
    """The summary of the run's input ``data`` (its holdout and the direct identifiers dropped from it)."""
    meta = data.metadata
    return DataRecord(
        rows=len(data),
        columns=list(data.columns),
        column_types={n: str(c.type) for n, c in meta.columns.items()},
        column_roles={n: str(c.role) for n, c in meta.columns.items()},
        holdout_rows=len(holdout) if holdout is not None else 0,
        dropped_direct_identifiers=list(dropped),
        kept_direct_identifiers=list(meta.direct_identifiers),
        quasi_identifiers=list(meta.quasi_identifiers),
        sensitive=list(meta.sensitive),
        without_public_domain=[
            n for n, c in meta.columns.items() if not c.is_public_domain and c.type not in ("boolean", "text")
        ],
    )


NOT_A_TABLE = (None, "all", "rare")  # step targets that name records to treat, not a table to evaluate


def step_record(plan: PlannedStep, outcome: StepOutcome, *, charges: int, warnings: list[RunWarning]) -> StepRecord:
    """The record of a step that succeeded."""
    table = outcome.table
    return StepRecord(
        id=plan.spec.id,
        use=plan.spec.use,
        kind=plan.kind,
        input=plan.spec.input,
        target=plan.target,
        share=BudgetRecord.of(plan.share),
        spent=BudgetRecord.of(outcome.spent),
        charges=charges,
        rows=len(table) if table is not None else None,
        columns=list(table.columns) if table is not None else None,
        released=outcome.released,
        seconds=round(outcome.seconds, 3),
        result=outcome.result,
        extras=outcome.extras,
        warnings=[w for w in warnings if w.step == plan.spec.id],
    )


def failed_step_record(plan: PlannedStep, error: str, *, charges: int) -> StepRecord:
    """The record of the step a run stopped at."""
    spec = plan.spec
    share = BudgetRecord.of(plan.share)
    return StepRecord(
        id=spec.id,
        use=spec.use,
        kind=plan.kind,
        input=spec.input,
        target=plan.target,
        status="failed",
        error=error,
        share=share,
        charges=charges,
    )


def run_record(
    *,
    run_id: str,
    resolved: ResolvedPipeline,
    sha: str,
    status: Literal["succeeded", "failed"],
    error: str | None,
    seconds: float,
    ledger: Ledger,
    noise: str | None,
    steps: list[StepRecord],
    warnings: list[RunWarning],
    data: DataRecord | None = None,
    profile: dict[str, Any] | None = None,
    versions: dict[str, str] | None = None,
    audit_head: str = "",
    audit_events: int | None = None,
) -> RunRecord:
    """The record of a whole run; releases only when it succeeded (a failed run releases nothing)."""
    pipeline = resolved.pipeline
    done = [s for s in steps if s.status == "succeeded"]
    releases = [
        ReleaseRecord(
            step=s.id,
            use=s.use,
            kind=s.kind,
            rows=s.rows or 0,
            columns=s.columns or [],
            dp_step=s.share is not None,
            spent=s.spent,
        )
        for s in done
        if s.released and status == "succeeded"
    ]
    evaluations = [
        EvaluationRecord(step=s.id, use=s.use, kind=s.kind, target=str(s.target), result=s.result)
        for s in done
        if s.target not in NOT_A_TABLE
    ]
    setting = [RunWarning(code="pipeline.dp_setting", message=w) for w in resolved.warnings]
    return RunRecord(
        run_id=run_id,
        pipeline=pipeline.name,
        pipeline_sha256=sha,
        seed=pipeline.seed,
        status=status,
        error=error,
        seconds=round(seconds, 3),
        noise=noise,
        budget=BudgetRecord.of(ledger.budget),
        spent=BudgetRecord.of(ledger.spent()) if ledger.budget is not None else None,
        accountant=ledger.accountant_name if ledger.budget is not None else None,
        data_source=pipeline.data.source,
        data=data,
        profile=profile,
        components=component_records(resolved),
        ledger=ledger.to_dict(),
        thresholds=dict(pipeline.report.thresholds),
        versions=dict(versions or {}),
        audit_head=audit_head,
        audit_events=audit_events,
        steps=steps,
        releases=releases,
        evaluations=evaluations,
        warnings=[*setting, *warnings],
    )
