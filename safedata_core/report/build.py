"""Build ``report.json``: the source of truth for every rendering of a run's results."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from safedata_core.pipeline.context import RunContext
    from safedata_core.schema.validate import ResolvedPipeline

REPORT_SCHEMA_VERSION = 1
NOT_A_RELEASE = (
    "This report contains attack and utility results computed on the original data; it is an "
    "evaluation for the data steward and is not itself a differentially private release."
)

__all__ = ["NOT_A_RELEASE", "REPORT_SCHEMA_VERSION", "build_report"]


def build_report(
    *,
    resolved: ResolvedPipeline,
    ctx: RunContext | None,
    ledger: dict[str, Any],
    status: str,
    error: str | None,
    pipeline_sha256: str,
    run_id: str,
    versions: dict[str, str],
    seconds: float,
    audit_head: str,
) -> dict[str, Any]:
    """Assemble the report dict from the run context and ledger."""
    pipeline = resolved.pipeline
    outcomes = [o.to_dict() for o in ctx.outcomes] if ctx is not None else []
    data_summary: dict[str, Any] = {}
    if ctx is not None:
        data_summary = {
            "source": pipeline.data.source,
            "rows": len(ctx.data),
            "columns": ctx.data.columns,
            "holdout_rows": len(ctx.holdout) if ctx.holdout is not None else 0,
            "dropped_direct_identifiers": ctx.dropped_identifiers,
        }
    dp_steps = [p.spec.id for p in resolved.steps if p.share is not None]
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "run": {
            "id": run_id,
            "name": pipeline.name,
            "status": status,
            "error": error,
            "pipeline_sha256": pipeline_sha256,
            "seed": pipeline.seed,
            "versions": versions,
            "finished_at": datetime.now(UTC).isoformat(),
            "seconds": round(seconds, 3),
            "audit_head": audit_head,
        },
        "data": data_summary,
        "profile": ctx.profile if ctx is not None else None,
        "privacy": {
            "ledger": ledger,
            "dp_steps": dp_steps,
            "dp_claimed": bool(dp_steps) and status == "succeeded",
            "note": NOT_A_RELEASE,
        },
        "steps": outcomes,
        "warnings": list(ctx.warnings) if ctx is not None else [],
    }
