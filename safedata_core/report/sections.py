"""Report sections built from the run record and the tables it names: releases, SDC, attacks, utility, inventory.

Each ``*_section`` function returns a JSON-ready dict with a ``verdict`` and
the ``reasons`` behind it (see :mod:`safedata_core.report.verdict`).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Any

import numpy as np
import pandas as pd

from safedata_core.pipeline.record import RunRecord, StepRecord
from safedata_core.report.dpstatus import SECURE, TEST_NOISE_LABEL
from safedata_core.report.fidelity import association_difference, marginal_comparison
from safedata_core.report.proxies import find_proxies
from safedata_core.report.verdict import threshold_text, worst

__all__ = [
    "SDC_LABEL",
    "attack_section",
    "inventory_section",
    "release_label",
    "release_section",
    "sdc_section",
    "utility_section",
]

MAX_FIDELITY_ROWS = 60_000
SDC_LABEL = "not DP: statistical disclosure control"


def _tables_of(record: RunRecord, kind: str | None = None) -> list[StepRecord]:
    """The completed steps (of ``kind``) that produced a table, in order."""
    return [s for s in record.succeeded_steps if s.rows is not None and (kind is None or s.kind == kind)]


def _evaluations(record: RunRecord, kind: str) -> list[StepRecord]:
    return [s for s in record.succeeded_steps if s.kind == kind]


def _sample(df: pd.DataFrame, seed: int) -> pd.DataFrame:
    from safedata_core.execution import is_dask_frame

    if is_dask_frame(df):  # a Dask table: a seeded random sample over its partitions
        from safedata_core.execution.sampling import random_sample

        return random_sample(df, MAX_FIDELITY_ROWS, seed)
    if len(df) <= MAX_FIDELITY_ROWS:
        return df
    return df.sample(MAX_FIDELITY_ROWS, random_state=seed)


def release_label(comp: dict[str, Any], *, dp: bool, charged: bool, noise: str | None, eps: float | None) -> str:
    """One line saying whether a release is DP, and if not, why."""
    if dp:
        return f"differentially private (epsilon={eps:.3g})" if eps is not None else "differentially private"
    if comp.get("kind") == "sdc" or comp.get("privacy") == "sdc":
        return SDC_LABEL
    if comp.get("privacy") != "dp":
        return "not DP: a non-private component"
    if not comp.get("dp_active"):
        return "not DP: the component ran without DP (dp: false)"
    if noise != SECURE:
        return TEST_NOISE_LABEL
    if not charged:
        return "not DP: the DP component recorded no charge in the ledger"
    return "not DP"


def release_section(
    record: RunRecord,
    tables: Mapping[str, pd.DataFrame],
    components: list[dict[str, Any]],
    *,
    noise: str | None = None,
    silent: Collection[str] = (),
) -> list[dict[str, Any]]:
    """One entry per released table: what made it, its spend, DP label, and fidelity to the original.

    ``dp`` is true only for a DP component's table whose step charged the ledger
    and drew its noise from the secure generator (``noise == "secure"``). An SDC
    table whose chain read the input is compared row by row, so its blanked
    cells are drawn as "suppressed".
    """
    by_step = {c["step"]: c for c in components}
    inputs = {s.id: s.input for s in record.steps}
    sdc_ids = {s.id for s in record.succeeded_steps if s.kind == "sdc"}
    data = tables["data"]
    original = _sample(data, record.seed)
    out = []
    for o in _tables_of(record):
        table = tables[o.id]
        comp = by_step.get(o.id, {"kind": o.kind})
        spent = o.spent.model_dump() if o.spent else None
        charged = o.id not in silent
        dp = bool(comp.get("dp_active")) and spent is not None and charged and noise == SECURE
        origin = inputs.get(_chain(o.id, inputs, sdc_ids)[0], "data")
        aligned = o.kind == "sdc" and origin == "data" and len(table) == len(data)
        released = _sample(table, record.seed if aligned else record.seed + 1)
        out.append(
            {
                "step": o.id,
                "use": o.use,
                "kind": o.kind,
                "privacy": comp.get("privacy", "none"),
                "dp": dp,
                "label": release_label(
                    comp, dp=dp, charged=charged, noise=noise, eps=spent["epsilon"] if spent else None
                ),
                "noise": noise if comp.get("dp_active") else None,
                "rows": len(table),
                "columns": list(table.columns),
                "released": o.released,
                "epsilon": spent["epsilon"] if spent else None,
                "delta": spent["delta"] if spent else None,
                "marginals": marginal_comparison(original, released, aligned=aligned),
                "association": association_difference(original, released),
            }
        )
    return out


def _changed_mask(orig: pd.Series, rel: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    o_na, r_na = orig.isna().to_numpy(), rel.isna().to_numpy()
    same = (orig.astype(str).to_numpy() == rel.astype(str).to_numpy()) | (o_na & r_na)
    return ~same, r_na & ~o_na


def _information_loss(orig: pd.DataFrame, rel: pd.DataFrame) -> dict[str, Any]:
    """Share of cells, records and columns changed or suppressed (blanked) going from ``orig`` to ``rel``."""
    if len(orig) != len(rel):
        return {"records_removed_share": round(1 - len(rel) / max(len(orig), 1), 5)}
    per_col: dict[str, dict[str, float]] = {}
    any_changed = np.zeros(len(rel), dtype=bool)
    any_suppressed = np.zeros(len(rel), dtype=bool)
    for col in orig.columns:
        if col not in rel.columns:
            continue
        changed, suppressed = _changed_mask(orig[col].reset_index(drop=True), rel[col].reset_index(drop=True))
        any_changed |= changed
        any_suppressed |= suppressed
        per_col[col] = {"changed": round(float(changed.mean()), 5), "suppressed": round(float(suppressed.mean()), 5)}
    return {
        "columns": per_col,
        "cells_changed_share": round(float(np.mean([v["changed"] for v in per_col.values()])), 5) if per_col else 0.0,
        "records_changed_share": round(float(any_changed.mean()), 5),
        "records_suppressed_share": round(float(any_suppressed.mean()), 5),
    }


def _lost_share(loss: dict[str, Any]) -> float:
    return float(loss.get("records_suppressed_share", loss.get("records_removed_share", 0.0)))


def _chain(step: str, inputs: dict[str, str], sdc_ids: set[str]) -> list[str]:
    """The SDC steps from the first one reading a non-SDC table up to ``step``, in order."""
    chain = [step]
    while inputs.get(chain[0], "data") in sdc_ids and inputs.get(chain[0], "data") not in chain:
        chain.insert(0, inputs[chain[0]])
    return chain


def sdc_section(
    record: RunRecord | None, tables: Mapping[str, pd.DataFrame], thresholds: dict[str, float]
) -> dict[str, Any]:
    """SDC steps: what changed, information loss, k-anonymity before and after, judged per release chain.

    SDC steps that read one another (``generalize`` -> ``suppress``) form a release
    chain; only its LAST step's table is the release, so the chain is judged on it
    (k-anonymity and records suppressed against the chain's input). Every step still
    shows its own before/after (against the table it read); intermediate steps are
    ``not_applicable`` (an intermediate k below the threshold is expected by design).
    ``tables`` holds the input (``"data"``) and each step's table by step id.
    """
    from safedata_core.inventory.risk import class_sizes, k_anonymity_summary

    if record is None or record.data is None:
        return {"verdict": "not_applicable", "reasons": [], "steps": [], "chains": []}
    inputs = {s.id: s.input for s in record.steps}
    qis = list((record.profile or {}).get("quasi_identifiers") or record.data.quasi_identifiers)
    min_k = int(thresholds["min_k"])
    outcomes = _tables_of(record, "sdc")
    sdc_ids = {o.id for o in outcomes}
    read_by_sdc = {inputs.get(o.id, "data") for o in outcomes}

    def table(ref: str) -> pd.DataFrame:
        return tables[ref] if ref in tables else tables["data"]

    k_cache: dict[str, int | None] = {}

    def k_of(ref: str, df: pd.DataFrame) -> int | None:
        usable = [q for q in qis if q in df.columns]
        if ref not in k_cache:
            k_cache[ref] = k_anonymity_summary(df, usable)["k_anonymity"] if usable else None
        return k_cache[ref]

    steps: list[dict[str, Any]] = []
    chains: list[dict[str, Any]] = []
    reasons: list[str] = []
    verdicts: list[str] = []
    for o in outcomes:
        source = inputs.get(o.id, "data")
        before_df = table(source)
        rel = tables[o.id]
        final = o.id not in read_by_sdc
        chain = _chain(o.id, inputs, sdc_ids)
        entry: dict[str, Any] = {
            "step": o.id,
            "use": o.use,
            "input": source,
            "final": final,
            "chain": chain,
            "changes": o.result,
            "rows_before": len(before_df),
            "rows_after": len(rel),
            "information_loss": _information_loss(before_df, rel),
        }
        usable_qis = [q for q in qis if q in rel.columns]
        if usable_qis:
            entry["k_before"], entry["k_after"] = k_of(source, before_df), k_of(o.id, rel)
            entry["records_below_k_after"] = int((class_sizes(rel, usable_qis) < min_k).sum())
            entry["quasi_identifiers"] = usable_qis
        if not final:
            entry["verdict"] = "not_applicable"
            entry["reasons"] = []
            entry["note"] = "intermediate step: its output is read by a later SDC step, which is judged instead"
            steps.append(entry)
            continue
        origin = inputs.get(chain[0], "data")
        origin_df = table(origin)
        loss = entry["information_loss"] if len(chain) == 1 else _information_loss(origin_df, rel)
        lost = _lost_share(loss)
        own: list[str] = []
        k_after = entry.get("k_after")
        checks: list[dict[str, Any]] = []
        if k_after is not None and k_after < min_k:
            why = f"k-anonymity {k_after} < {threshold_text('min_k', thresholds)} on {', '.join(usable_qis)}"
            checks.append({"check": "sdc", "verdict": "warn", "reason": why})
        if lost > thresholds["max_suppression"]:
            why = f"{lost:.1%} of records lost values to suppression > {threshold_text('max_suppression', thresholds)}"
            checks.append({"check": "sdc", "verdict": "warn", "reason": why})
        entry["proxies"] = find_proxies(
            origin_df,
            rel,
            qis,
            warn_at=thresholds["proxy_warn_u"],
            fail_at=thresholds["proxy_fail_u"],
        )
        checks += [
            {"check": "proxy", "verdict": p["verdict"], "reason": proxy_reason(p, thresholds)} for p in entry["proxies"]
        ]
        checks.sort(key=lambda c: c["verdict"] != "fail")
        own = [c["reason"] for c in checks]
        v = worst([c["verdict"] for c in checks]) if checks else "pass"
        reasons += [f"{o.id}: {r}" for r in own]
        entry["checks"] = checks
        entry["reasons"] = own
        entry["verdict"] = v
        verdicts.append(v)
        steps.append(entry)
        chains.append(
            {
                "release": o.id,
                "steps": chain,
                "input": origin,
                "k_before": k_of(origin, origin_df) if usable_qis else None,
                "k_after": k_after,
                "records_below_k_after": entry.get("records_below_k_after"),
                "information_loss": {k: v for k, v in loss.items() if k != "columns"},
                "proxies": entry["proxies"],
                "verdict": v,
            }
        )
    return {"verdict": worst(verdicts), "reasons": reasons, "steps": steps, "chains": chains}


def proxy_reason(p: dict[str, Any], thresholds: dict[str, float]) -> str:
    """One line: which kept column gives back which hidden quasi-identifier, how strongly, for how many records."""
    key = "proxy_fail_u" if p["verdict"] == "fail" else "proxy_warn_u"
    how = "nearly determines" if p["verdict"] == "fail" else "partly reveals"
    values = p.get("revealing_values") or []
    example = f"; e.g. {p['column']} = {', '.join(values[:3])}" if values else ""
    return (
        f"kept column '{p['column']}' {how} the {p.get('hidden_as', 'hidden')} quasi-identifier '{p['determines']}' "
        f"(Theil's U {p['theil_u']:.2f} >= {threshold_text(key, thresholds)}; it gives back "
        f"{p['revealed_share']:.0%} of the {p['hidden_records']} hidden values with 95% confidence{example})"
    )


def _finite(x: Any) -> float | None:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def attack_section(record: RunRecord | None, thresholds: dict[str, float]) -> dict[str, Any]:
    """Attack results with intervals and baselines, each judged against ``max_risk``."""
    if record is None:
        return {"verdict": "not_applicable", "reasons": [], "results": []}
    max_risk = thresholds["max_risk"]
    results, reasons, verdicts = [], [], []
    for o in _evaluations(record, "attack"):
        r = dict(o.result)
        risk = _finite(r.get("risk")) or 0.0
        ci = r.get("risk_ci") or (risk, risk)
        hi = _finite(ci[1]) if len(ci) > 1 else risk
        check = f"{o.use} attack '{o.id}'"
        copies = _finite((r.get("details") or {}).get("exact_copy_rate"))
        extra = f" (exact-copy rate {copies:.2f})" if copies is not None else ""
        reason: str | None = None
        limit = threshold_text("max_risk", thresholds)
        if risk > max_risk:
            v = "fail"
            reason = f"{check}: risk {risk:.3f} > {limit}{extra}"
        elif hi is not None and hi > max_risk:
            v = "warn"
            reason = f"{check}: risk interval reaches {hi:.3f} > {limit}{extra}"
        else:
            v = "pass"
        if reason:
            reasons.append(f"on '{o.target}': {reason}")
        verdicts.append(v)
        results.append(
            {
                "step": o.id,
                "use": o.use,
                "target": o.target,
                "verdict": v,
                "reason": reason,
                "risk": risk,
                "risk_ci": [float(ci[0]), float(ci[1])],
                "success_rate": r.get("success_rate"),
                "success_ci": r.get("success_ci"),
                "baseline_rate": r.get("baseline_rate"),
                "baseline_ci": r.get("baseline_ci"),
                "control_rate": r.get("control_rate"),
                "control_ci": r.get("control_ci"),
                "n_attempts": r.get("n_attempts"),
                "details": r.get("details", {}),
            }
        )
    return {"verdict": worst(verdicts), "reasons": reasons, "results": results}


def utility_section(record: RunRecord | None, thresholds: dict[str, float]) -> dict[str, Any]:
    """Utility metric scores per release; a release's headline is the mean of its [0, 1] scores."""
    if record is None:
        return {"verdict": "not_applicable", "reasons": [], "results": [], "per_release": {}, "release_verdicts": {}}
    results: list[dict[str, Any]] = []
    by_target: dict[str, list[float]] = {}
    for o in _evaluations(record, "metric"):
        score = _finite(o.result.get("score"))
        hib = bool(o.result.get("higher_is_better", True))
        target = o.target or "data"
        results.append(
            {
                "step": o.id,
                "use": o.use,
                "target": target,
                "score": score,
                "higher_is_better": hib,
                "details": o.result.get("details", {}),
            }
        )
        if score is not None and hib and 0.0 <= score <= 1.0:
            by_target.setdefault(target, []).append(score)
    per_release = {t: round(float(np.mean(v)), 5) for t, v in by_target.items()}
    reasons, verdicts = [], []
    lo = thresholds["min_utility"]
    floor = lo - thresholds["utility_margin"]
    checks: dict[str, dict[str, Any]] = {}
    for t, s in per_release.items():
        if s < floor:
            v, why = "fail", f"mean utility {s:.3f} < min_utility - utility_margin {floor:.2f}"
        elif s < lo:
            v, why = "warn", f"mean utility {s:.3f} < {threshold_text('min_utility', thresholds)}"
        else:
            v, why = "pass", None
        verdicts.append(v)
        checks[t] = {"verdict": v, "reason": why}
        if why:
            reasons.append(f"'{t}': {why}")
    return {
        "verdict": worst(verdicts),
        "reasons": reasons,
        "results": results,
        "per_release": per_release,
        "release_verdicts": checks,
    }


def inventory_section(record: RunRecord) -> dict[str, Any]:
    """Findings about the input: identifiers dropped, quasi-identifier risk, sensitive columns, public domains."""
    data = record.data
    if data is None:
        return {"findings": [], "profile": None}
    findings: list[dict[str, str]] = []
    if data.dropped_direct_identifiers:
        dropped = ", ".join(data.dropped_direct_identifiers)
        findings.append({"severity": "info", "message": "direct identifiers dropped before any release: " + dropped})
    if data.kept_direct_identifiers:
        kept = ", ".join(data.kept_direct_identifiers)
        findings.append({"severity": "fail", "message": "direct identifiers were KEPT on purpose: " + kept})
    prof = record.profile
    if prof:
        risk = prof.get("risk", {})
        k = prof.get("k", 5)
        share = (risk.get("share_below_k") or {}).get(str(k))
        sev = "warn" if prof.get("rare_records", 0) else "info"
        findings.append(
            {
                "severity": sev,
                "message": (
                    f"the input is {risk.get('k_anonymity')}-anonymous on "
                    f"{', '.join(prof.get('quasi_identifiers', []))}; "
                    f"{prof.get('rare_records', 0)} records ({(share or 0):.1%}) are in classes smaller than {k} and "
                    f"{risk.get('sample_uniques', 0)} are sample-unique"
                ),
            }
        )
    if data.sensitive:
        findings.append({"severity": "info", "message": "sensitive columns: " + ", ".join(data.sensitive)})
    if data.without_public_domain:
        findings.append(
            {
                "severity": "info",
                "message": "columns without a declared public domain (DP components "
                "must learn or be given it): " + ", ".join(data.without_public_domain),
            }
        )
    return {"findings": findings, "profile": prof}
