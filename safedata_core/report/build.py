"""Build ``report.json``: the source of truth for every rendering of a run's results.

The report holds: run identity, data summary, inventory findings, the
components used (with their documented guarantees), the privacy ledger, one
entry per released table (marginals and association differences against the
original), SDC information loss, attack results with intervals and
baselines, utility scores, a verdict per section against
``report.thresholds`` (see :mod:`safedata_core.report.verdict`), a
compliance mapping, a plain-language audit narrative and a one-screen
summary. Its shape is ``schemas/report.schema.json``.

This full report is INTERNAL (``kind: "internal"``): it holds non-DP
statistics of the real data and says so first (``notice``). The publishable
report of the release package is derived from it by
:func:`safedata_core.report.release.release_view`.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from safedata_core.report.compliance import compliance_section
from safedata_core.report.dpstatus import NOT_A_RELEASE, TEST_NOISE_LABEL, noise_mode, privacy_section
from safedata_core.report.narrative import audit_narrative
from safedata_core.report.publish import privacy_explainer, publish_decisions
from safedata_core.report.sections import (
    attack_section,
    component_info,
    inventory_section,
    release_section,
    sdc_section,
    utility_section,
)
from safedata_core.report.verdict import merge_thresholds, overall, release_checks, release_verdicts, threshold_text

if TYPE_CHECKING:
    from safedata_core.pipeline.context import RunContext
    from safedata_core.schema.validate import ResolvedPipeline

REPORT_SCHEMA_VERSION = 4
INTERNAL_NOTICE = (
    "INTERNAL EVALUATION, DO NOT PUBLISH: this report contains non-DP statistics of the real data "
    "(row counts, exact marginals, ranges and categories, profile, attack results on real records, "
    "fidelity, timings). The publishable, DP-only report is in the run's release/ package."
)

__all__ = ["INTERNAL_NOTICE", "NOT_A_RELEASE", "REPORT_SCHEMA_VERSION", "build_report", "json_safe"]


def json_safe(value: Any) -> Any:
    """``value`` with numpy scalars/arrays as Python values and NaN/inf as ``None`` (strict JSON)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return f if math.isfinite(f) else None
    if value is None or isinstance(value, str):
        return value
    return str(value)


def _failed_step(
    resolved: ResolvedPipeline, ctx: RunContext | None, status: str, components: list[dict[str, Any]]
) -> dict[str, Any] | None:
    if status == "succeeded" or ctx is None:
        return None
    done = {o.step for o in ctx.outcomes}
    for plan, comp in zip(resolved.steps, components, strict=True):
        if plan.spec.id not in done:
            return {"step": plan.spec.id, "use": plan.spec.use, "kind": plan.kind, "dp": bool(comp["dp_active"])}
    return None


def _summary(report: dict[str, Any]) -> dict[str, Any]:
    run, priv = report["run"], report["privacy"]
    ledger = priv["ledger"]
    sections = {k: report[k] for k in ("privacy", "sdc", "attacks", "utility")}
    verdict = overall(sections, run_failed=run["status"] != "succeeded")
    messages: list[str] = []
    failed = run.get("failed_step")
    if run["status"] != "succeeded":
        where = f" at step '{failed['step']}' ({failed['use']})" if failed else ""
        messages.append(f"The run FAILED{where}: {run.get('error')}. Nothing was released.")
    if priv["dp_status"] == "failed":
        step = f"'{failed['step']}' ({failed['use']})" if failed and failed["dp"] else "of this run"
        messages.append(
            f"The DP step {step} failed: no differential privacy guarantee holds and no compliance claim is made."
        )
    if priv["dp_status"] == "reproducible_noise":
        messages.append(
            f"{TEST_NOISE_LABEL[0].upper()}{TEST_NOISE_LABEL[1:]}: the DP noise can be rebuilt from the published "
            "seed, so no differential privacy guarantee holds and no compliance claim is made."
        )
    for r in report["releases"]:
        if r["verdict"] == "fail":
            messages.append(f"Release '{r['step']}' FAILS: {r['reasons'][0]}.")
    th = report["thresholds"]
    attacks = report["attacks"]["results"]
    highest = max(attacks, key=lambda a: a["risk"]) if attacks else None
    if highest:
        messages.append(
            f"Highest measured risk: {highest['use']} on '{highest['target']}' = {highest['risk']:.3f} "
            f"(95% CI {highest['risk_ci'][0]:.3f}–{highest['risk_ci'][1]:.3f}; fails above "
            f"{threshold_text('max_risk', th)})."
        )
    floor = th["min_utility"] - th["utility_margin"]
    for t, s in report["utility"]["per_release"].items():
        messages.append(
            f"Mean utility of '{t}': {s:.3f} (warns below {threshold_text('min_utility', th)}, "
            f"fails below min_utility - utility_margin {floor:.2f})."
        )
    for key in ("privacy", "sdc", "attacks", "utility"):
        messages += [f"{key}: {r}" for r in report[key]["reasons"]]
    spent, budget = ledger.get("spent") or {}, ledger.get("budget")
    eps_spent = spent.get("epsilon", 0.0) if priv["dp_steps"] else None
    return {
        "publish": publish_decisions(report),
        "privacy_explainer": privacy_explainer(eps_spent, spent.get("delta", 0.0)),
        "verdict": verdict,
        "status": run["status"],
        "dp_status": priv["dp_status"],
        "noise": priv["noise"],
        "budget": {
            "accountant": ledger.get("accountant"),
            "epsilon_spent": spent.get("epsilon", 0.0),
            "delta_spent": spent.get("delta", 0.0),
            "epsilon_total": budget["epsilon"] if budget else None,
            "delta_total": budget["delta"] if budget else None,
        },
        "highest_risk": ({k: highest[k] for k in ("step", "use", "target", "risk", "risk_ci")} if highest else None),
        "utility": report["utility"]["per_release"],
        "verdicts": {k: v["verdict"] for k, v in sections.items()},
        "messages": messages,
    }


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
    """Assemble the report dict from the run context and ledger (strict-JSON safe)."""
    pipeline = resolved.pipeline
    thresholds, threshold_warnings = merge_thresholds(pipeline.report.thresholds)
    outcomes = [o.to_dict() for o in ctx.outcomes] if ctx is not None else []
    components = component_info(resolved)
    warnings = [*(ctx.warnings if ctx is not None else []), *threshold_warnings]
    failed = _failed_step(resolved, ctx, status, components)
    data_summary: dict[str, Any] = {"source": pipeline.data.source}
    if ctx is not None:
        meta = ctx.data.metadata
        data_summary.update(
            {
                "rows": len(ctx.data),
                "columns": ctx.data.columns,
                "column_types": {n: c.type for n, c in meta.columns.items()},
                "column_roles": {n: c.role for n, c in meta.columns.items()},
                "holdout_rows": len(ctx.holdout) if ctx.holdout is not None else 0,
                "dropped_direct_identifiers": ctx.dropped_identifiers,
            }
        )
    noise = noise_mode(pipeline.privacy)
    completed = {o.step for o in ctx.outcomes} if ctx is not None else set()
    privacy = privacy_section(
        ledger, components, status=status, failed=failed, thresholds=thresholds, noise=noise, completed=completed
    )
    releases = (
        release_section(
            ctx,
            components,
            ledger,
            noise=privacy["noise"],
            silent=privacy["silent_steps"],
            inputs={plan.spec.id: plan.spec.input for plan in resolved.steps},
        )
        if ctx is not None and status == "succeeded"
        else []
    )
    report: dict[str, Any] = {
        "schema_version": REPORT_SCHEMA_VERSION,
        "kind": "internal",
        "notice": INTERNAL_NOTICE,
        "run": {
            "id": run_id,
            "name": pipeline.name,
            "status": status,
            "error": error,
            "failed_step": failed,
            "pipeline_sha256": pipeline_sha256,
            "seed": pipeline.seed,
            "versions": versions,
            "finished_at": datetime.now(UTC).isoformat(),
            "seconds": round(seconds, 3),
            "audit_head": audit_head,
            "audit_events": len(ctx.audit.lines) if ctx is not None else None,
        },
        "thresholds": thresholds,
        "data": data_summary,
        "inventory": inventory_section(ctx),
        "profile": ctx.profile if ctx is not None else None,
        "components": components,
        "privacy": privacy,
        "releases": releases,
        "sdc": sdc_section(ctx, thresholds, {plan.spec.id: plan.spec.input for plan in resolved.steps}),
        "attacks": attack_section(ctx, components, thresholds),
        "utility": utility_section(ctx, components, thresholds),
        "steps": outcomes,
        "warnings": warnings,
    }
    per_release = release_verdicts(report)
    checks = release_checks(report)
    for r in releases:
        r["verdict"], r["reasons"] = per_release[r["step"]]
        r["checks"] = checks[r["step"]]
    report["summary"] = _summary(report)
    report["narrative"] = audit_narrative(report)
    report["compliance"] = compliance_section(report)
    safe: dict[str, Any] = json_safe(report)
    return safe
