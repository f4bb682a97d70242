"""Build ``report.json`` from a run's typed record: the source of truth for every rendering of its results.

The report reads only the :class:`~safedata_core.pipeline.record.RunRecord`
and the tables it names (:data:`RunTables`: ``"data"``, the run's input, and
the id of each step that produced a table); never the live run context.

The report holds: run identity, data summary, inventory findings, the
components used (with their documented guarantees), the privacy ledger, one
entry per released table (marginals and association differences against the
original), SDC information loss, attack results with intervals and
baselines, utility scores, a verdict per section against
``report.thresholds`` (see :mod:`safedata_core.report.verdict`), a
compliance mapping, a plain-language audit narrative and a one-screen
summary. Its shape is the models of :mod:`safedata_core.schema.report`
(``schemas/report.schema.json`` is generated from them).

This full report is INTERNAL (``kind: "internal"``): it holds non-DP
statistics of the real data and says so first (``notice``). The publishable
report of the release package is derived from it by
:func:`safedata_core.report.release.release_view`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from safedata_core.pipeline.record import RunRecord, StepRecord
from safedata_core.report.compliance import compliance_section
from safedata_core.report.dpstatus import NOT_A_RELEASE, TEST_NOISE_LABEL, privacy_section
from safedata_core.report.narrative import audit_narrative
from safedata_core.report.publish import privacy_explainer, publish_decisions
from safedata_core.report.sections import (
    attack_section,
    inventory_section,
    release_section,
    sdc_section,
    utility_section,
)
from safedata_core.report.verdict import merge_thresholds, overall, release_checks, release_verdicts, threshold_text
from safedata_core.schema.report import REPORT_SCHEMA_VERSION

INTERNAL_NOTICE = (
    "INTERNAL EVALUATION, DO NOT PUBLISH: this report contains non-DP statistics of the real data "
    "(row counts, exact marginals, ranges and categories, profile, attack results on real records, "
    "fidelity, timings). The publishable, DP-only report is in the run's release/ package."
)

RunTables = Mapping[str, pd.DataFrame]
"""The tables a record names: ``"data"`` (the run's input) and each table-producing step's output by step id."""

__all__ = ["INTERNAL_NOTICE", "NOT_A_RELEASE", "REPORT_SCHEMA_VERSION", "RunTables", "build_report", "json_safe"]


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


def _failed_step(record: RunRecord) -> dict[str, Any] | None:
    failed = record.failed_step
    if record.status == "succeeded" or failed is None:
        return None
    comp = record.component(failed.id)
    return {"step": failed.id, "use": failed.use, "kind": failed.kind, "dp": bool(comp and comp.dp_active)}


def _data_summary(record: RunRecord) -> dict[str, Any]:
    summary: dict[str, Any] = {"source": record.data_source}
    data = record.data
    if data is not None:
        summary.update(
            rows=data.rows,
            columns=data.columns,
            column_types=data.column_types,
            column_roles=data.column_roles,
            holdout_rows=data.holdout_rows,
            dropped_direct_identifiers=data.dropped_direct_identifiers,
        )
    return summary


def _step_entry(step: StepRecord) -> dict[str, Any]:
    """A completed step as the report's ``steps`` list shows it."""
    return {
        "step": step.id,
        "use": step.use,
        "kind": step.kind,
        "rows": step.rows,
        "released": step.released,
        "result": step.result,
        "share": step.share.model_dump() if step.share else None,
        "spent": step.spent.model_dump() if step.spent else None,
        "seconds": step.seconds,
        "extras": step.extras,
    }


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


def build_report(record: RunRecord, tables: RunTables | None = None) -> dict[str, Any]:
    """The report dict of the run ``record`` (strict-JSON safe).

    ``tables`` holds the tables the record names (``"data"`` and the outputs
    of the steps with ``rows``); the releases, SDC and fidelity sections need
    them and are empty without them (a run that failed before loading its data).
    """
    thresholds, threshold_warnings = merge_thresholds(record.thresholds)
    tables = tables or {}
    components = [c.model_dump(mode="json") for c in record.components]
    loaded = record.data is not None and "data" in tables
    failed = _failed_step(record)
    privacy = privacy_section(record, failed=failed, thresholds=thresholds)
    succeeded = record.status == "succeeded"
    releases = (
        release_section(record, tables, components, noise=privacy["noise"], silent=privacy["silent_steps"])
        if loaded and succeeded
        else []
    )
    # warnings of the run itself (the validator's DP-setting warnings are shown when the pipeline validates)
    warnings = [w.message for w in record.warnings if w.code != "pipeline.dp_setting"]
    report: dict[str, Any] = {
        "schema_version": REPORT_SCHEMA_VERSION,
        "kind": "internal",
        "notice": INTERNAL_NOTICE,
        "run": {
            "id": record.run_id,
            "name": record.pipeline,
            "status": record.status,
            "error": record.error,
            "failed_step": failed,
            "pipeline_sha256": record.pipeline_sha256,
            "seed": record.seed,
            "versions": record.versions,
            "finished_at": datetime.now(UTC).isoformat(),
            "seconds": record.seconds,
            "audit_head": record.audit_head,
            "audit_events": record.audit_events,
        },
        "thresholds": thresholds,
        "data": _data_summary(record),
        "inventory": inventory_section(record),
        "profile": record.profile,
        "components": components,
        "privacy": privacy,
        "releases": releases,
        "sdc": sdc_section(record, tables, thresholds) if loaded else sdc_section(None, {}, thresholds),
        "attacks": attack_section(record if record.data is not None else None, thresholds),
        "utility": utility_section(record if record.data is not None else None, thresholds),
        "steps": [_step_entry(s) for s in record.succeeded_steps],
        "warnings": [*warnings, *threshold_warnings],
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
