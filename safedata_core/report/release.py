"""The release view: the publishable report of a run's ``release/`` package, derived from the full report.

:func:`release_view` keeps only quantities that are public or outputs of a DP
computation (``schemas/release-report.schema.json``, generated from
:mod:`safedata_core.schema.release_report`):

* the run's identity (name, pipeline hash, seed, versions, the release date)
  and the data source's name;
* the privacy ledger: budget, every charge, the composed spend per step and in
  total, the noise mode, the DP status and the DP warnings (written from
  public settings and the ledger only);
* per released table: step, component (documented guarantee, assumptions,
  version), params, budget share, epsilon/delta spent, its DP label, and the
  released table's own properties (row count, columns), which are outputs of
  the release itself;
* for SDC releases (real records, never DP) their SDC facts, computed on the
  released table, and the label "not DP";
* the compliance badge, only when the full report carries one (secure noise,
  DP claimed, no failed section);
* a plain-language explanation of epsilon and delta with the ledger's total
  spend and a link to the threat model (public settings only).

It is built from an allow-list, so nothing added to the full report later
reaches a release by accident. Left out on purpose: the input and holdout row
counts, column types and roles inferred from the data, the profile and
k-anonymity of the real data, marginals / ranges / top categories of the real
data, attack and utility results (computed on real records), verdicts (they
judge those results), step and epoch timings, component report extras,
free-text warnings and run errors (either may quote data), and the audit-log
head (a hash of a log that records the input's row count).
"""

from __future__ import annotations

from typing import Any

from safedata_core.report.build import json_safe
from safedata_core.report.dpstatus import SECURE, TEST_NOISE_LABEL
from safedata_core.report.publish import privacy_explainer
from safedata_core.schema.release_report import RELEASE_SCHEMA_VERSION

__all__ = ["RELEASE_NOTICE", "RELEASE_SCHEMA_VERSION", "dp_headline", "release_view"]

RELEASE_NOTICE = (
    "Release report: it holds only public settings and differentially private quantities about the "
    "private data (the privacy ledger and what each DP release spent), plus the released tables' own "
    "properties. SDC releases, if any, are real records and carry no DP guarantee. The evaluation "
    "against the real data (attacks, fidelity, utility) is in the internal report, which is not published."
)
_COMPONENT_KEYS = ("summary", "plugin", "distribution", "version", "privacy_guarantee", "assumptions")
_LEDGER_KEYS = ("accountant", "budget", "spent", "shares", "charges")


def dp_headline(dp_status: str, noise: str | None, dp: list[str], not_dp: list[str]) -> str:
    """One line saying what the package may claim."""
    if dp_status == "reproducible_noise":
        return TEST_NOISE_LABEL[0].upper() + TEST_NOISE_LABEL[1:] + "; no release in this package is DP"
    if dp_status == "failed":
        return "Not DP: a DP step failed and nothing was released"
    if dp_status != "claimed" or not dp:
        return "Not DP: no release in this package carries a differential privacy guarantee"
    text = f"Differentially private ({noise} noise): {', '.join(dp)}"
    return text + (f"; NOT DP: {', '.join(not_dp)}" if not_dp else "")


def _sdc_facts(report: dict[str, Any], step: str) -> dict[str, Any] | None:
    """Facts about an SDC release computed on the released table (never on the real input)."""
    entry = next((s for s in report["sdc"].get("steps", []) if s["step"] == step), None)
    if entry is None:
        return None
    return {
        "chain": list(entry.get("chain") or [step]),
        "final": bool(entry.get("final", True)),
        "quasi_identifiers": list(entry.get("quasi_identifiers") or []),
        "k_anonymity": entry.get("k_after"),
        "records_below_k": entry.get("records_below_k_after"),
    }


def _release(r: dict[str, Any], comp: dict[str, Any], report: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "step": r["step"],
        "use": r["use"],
        "kind": r["kind"],
        "privacy": r["privacy"],
        "dp": bool(r["dp"]),
        "label": r.get("label") or ("differentially private" if r["dp"] else "not DP"),
        "noise": r.get("noise"),
        "epsilon": r.get("epsilon"),
        "delta": r.get("delta"),
        "share": comp.get("share"),
        "params": comp.get("params") or {},
        "component": {k: comp.get(k) for k in _COMPONENT_KEYS},
        "table": {"rows": r["rows"], "columns": list(r.get("columns") or [])},
    }
    if r["kind"] == "sdc":
        out["sdc"] = _sdc_facts(report, r["step"])
    return out


def _badge(report: dict[str, Any], dp: list[str], not_dp: list[str]) -> dict[str, Any] | None:
    full = report["compliance"].get("badge")
    priv = report["privacy"]
    if not full or priv["dp_status"] != "claimed" or priv.get("noise") != SECURE or not dp:
        return None
    spent = (priv["ledger"].get("spent") or {}).get("epsilon", 0.0)
    return {
        "label": "DP guarantee held",
        "releases": dp,
        "not_covered": not_dp,
        "basis": (
            f"secure noise; differential privacy claimed for {', '.join(dp)} (total epsilon {spent:.3g}); "
            "no section of the internal evaluation failed"
        ),
    }


def release_view(report: dict[str, Any]) -> dict[str, Any]:
    """The DP-only, publishable report derived from the full (internal) ``report``."""
    if report.get("kind") == "release":
        return report
    run, priv = report["run"], report["privacy"]
    comps = {c["step"]: c for c in report.get("components", [])}
    releases = [_release(r, comps.get(r["step"], {}), report) for r in report.get("releases", []) if r["released"]]
    dp = [r["step"] for r in releases if r["dp"]]
    not_dp = [r["step"] for r in releases if not r["dp"]]
    failed = run.get("failed_step")
    badge = _badge(report, dp, not_dp)
    finished = str(run.get("finished_at") or "")
    view: dict[str, Any] = {
        "schema_version": RELEASE_SCHEMA_VERSION,
        "kind": "release",
        "notice": RELEASE_NOTICE,
        "dp_headline": dp_headline(priv["dp_status"], priv.get("noise"), dp, not_dp),
        "run": {
            "id": run["id"],
            "name": run["name"],
            "status": run["status"],
            "failed_step": {k: failed[k] for k in ("step", "use", "kind", "dp")} if failed else None,
            "pipeline_sha256": run["pipeline_sha256"],
            "seed": run["seed"],
            "versions": dict(run.get("versions") or {}),
            "released_on": finished[:10] or None,
        },
        "data": {"source": (report.get("data") or {}).get("source")},
        "privacy": {
            "dp_status": priv["dp_status"],
            "dp_claimed": priv["dp_status"] == "claimed" and bool(dp),
            "noise": priv.get("noise"),
            "dp_steps": list(priv.get("dp_steps") or []),
            "dp_warnings": list(priv.get("dp_warnings") or []),
            "ledger": {k: priv["ledger"].get(k) for k in _LEDGER_KEYS},
        },
        "releases": releases,
        "privacy_explainer": _explainer(report, dp),
        "compliance": {
            "disclaimer": report["compliance"]["disclaimer"],
            "badge": badge,
            "no_badge_reason": None if badge else _no_badge_reason(report, dp),
        },
    }
    safe: dict[str, Any] = json_safe(view)
    return safe


def _explainer(report: dict[str, Any], dp: list[str]) -> dict[str, str]:
    """What epsilon and delta mean, with the run's total spend from the ledger (public)."""
    spent = report["privacy"]["ledger"].get("spent") or {}
    ran_dp = bool(report["privacy"].get("dp_steps"))
    return privacy_explainer(spent.get("epsilon", 0.0) if ran_dp else None, spent.get("delta", 0.0))


def _no_badge_reason(report: dict[str, Any], dp: list[str]) -> str:
    priv = report["privacy"]
    if report["run"]["status"] != "succeeded":
        return "the run failed: nothing was released"
    if priv["dp_status"] == "reproducible_noise" or (dp and priv.get("noise") != SECURE):
        return TEST_NOISE_LABEL
    if priv["dp_status"] != "claimed" or not dp:
        return "no release in this package is differentially private"
    return "the internal evaluation has a failed section (see the data steward's internal report)"
