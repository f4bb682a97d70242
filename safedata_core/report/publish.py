"""The report's answer to "can I publish this?": one decision per released table, and what epsilon and delta mean.

:func:`publish_decisions` turns each released table's verdict and checks
(:func:`safedata_core.report.verdict.release_checks`) into a plain-language
line, ``Publish `synthetic`: yes, because ...``:

* ``yes`` when every check on the table passed;
* ``review`` when a check warns (a person should look before publishing);
* ``no`` when a check fails.

The reason leads with what the worst check means for a data steward ("an
attack on it succeeds more often than allowed") followed by the check's own
one-line reason, so the numbers and the threshold they broke stay visible.

:func:`privacy_explainer` explains epsilon and delta in a few sentences, with
the run's own spend, and points to the threat model in
``docs/concepts/privacy.md`` (:data:`PRIVACY_DOCS`). It uses only public
settings and the ledger, so the release view carries it too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from safedata_core.report.verdict import by_severity, release_checks, threshold_text

__all__ = ["DECISIONS", "PRIVACY_DOCS", "privacy_explainer", "publish_decisions"]

PRIVACY_DOCS = "docs/concepts/privacy.md#threat-model-one-page-for-data-stewards"
DECISIONS = {"pass": "yes", "warn": "review", "fail": "no"}
_DECISION_TEXT = {"yes": "yes", "review": "not before a review", "no": "no"}
_LEAD = {
    ("attack", "fail"): "an attack on it succeeds more often than allowed",
    ("attack", "warn"): "an attack on it may succeed more often than allowed (its 95% interval reaches the limit)",
    ("utility", "fail"): "it is too far from the original data to be useful",
    ("utility", "warn"): "it is less faithful to the original data than required",
    ("sdc", "fail"): "its disclosure control did not reach the target",
    ("sdc", "warn"): "its disclosure control did not reach the target",
    ("proxy", "fail"): "a column it keeps gives back a quasi-identifier that was hidden",
    ("proxy", "warn"): "a column it keeps partly reveals a quasi-identifier that was hidden",
    ("dp", "fail"): "its differential privacy guarantee does not hold",
    ("dp", "warn"): "its differential privacy guarantee does not hold",
}


def _eps(x: Any) -> str:
    return "—" if x is None else f"{float(x):.3g}"


def _why_fine(release: Mapping[str, Any], checks: list[dict[str, Any]], report: Mapping[str, Any]) -> str:
    """What passed, briefly: the DP spend or the SDC facts, attacks, utility."""
    th = report["thresholds"]
    parts = []
    if release.get("dp"):
        parts.append(
            f"it is differentially private (ε = {_eps(release.get('epsilon'))}, δ = {release.get('delta'):.3g})"
        )
    n_att = sum(c["check"] == "attack" for c in checks)
    if n_att:
        parts.append(f"{n_att} attack{'s' if n_att > 1 else ''} stayed within {threshold_text('max_risk', th)}")
    util = (report["utility"].get("per_release") or {}).get(release["step"])
    if util is not None:
        parts.append(f"its mean utility {util:.3f} is at least {threshold_text('min_utility', th)}")
    sdc = next((s for s in report["sdc"].get("steps", []) if s["step"] == release["step"]), None)
    if sdc and sdc.get("k_after") is not None:
        parts.append(f"it is {sdc['k_after']}-anonymous (>= {threshold_text('min_k', th)})")
    if sdc is not None and sdc.get("final", True):
        parts.append("no kept column gives back a hidden quasi-identifier")
    return "; ".join(parts) if parts else "no check concerns it"


def publish_decisions(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``{release, decision, verdict, label, dp, problems, text}`` per released table: may it be published, and why.

    ``problems`` lists the reasons of every failing and warning check, the
    most severe first (proxy columns, DP, SDC targets, attacks by risk, utility).
    """
    checks_by = release_checks(report)
    out = []
    for r in report.get("releases", []):
        if not r.get("released", True):
            continue
        checks = checks_by.get(r["step"], [])
        verdict = r.get("verdict", "pass")
        decision = DECISIONS[verdict]
        bad = by_severity(checks)
        if bad:
            first = bad[0]
            lead = _LEAD.get((first["check"], first["verdict"]), "a check did not pass")
            more = len(bad) - 1
            because = f"{lead}: {first['reason']}" + (
                f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
            )
        else:
            because = _why_fine(r, checks, report)
        if not r.get("dp"):
            because += f". Its privacy: {r.get('label') or 'not DP'}"
        out.append(
            {
                "release": r["step"],
                "decision": decision,
                "verdict": verdict,
                "dp": bool(r.get("dp")),
                "label": r.get("label") or "",
                "problems": [c["reason"] for c in bad],
                "text": f"Publish `{r['step']}`: {_DECISION_TEXT[decision]}, because {because}.",
            }
        )
    return out


def privacy_explainer(epsilon: float | None, delta: float | None) -> dict[str, str]:
    """Plain-language epsilon and delta, with the run's spend (``None``: no DP budget) and the docs link."""
    text_eps = (
        "ε (epsilon) bounds how much any one person's record can change what a differentially private (DP) "
        "release shows: whatever anyone concludes about a person from the release becomes at most e^ε times "
        "more likely than if their record had not been used (ε = 0.1: ×1.1, ε = 1: ×2.7, ε = 10: ×22,000). "
        "Smaller is more private."
    )
    text_delta = (
        "δ (delta) is the small probability that this bound does not hold; keep it far below one over the "
        "number of people in the data (for example 1e-6)."
    )
    scope = (
        "Only DP releases carry ε and δ. An SDC release (statistical disclosure control) holds real, "
        "treated records and has no such bound."
    )
    if epsilon is None:
        spent = "No DP step ran: none of this run's releases is differentially private."
    else:
        factor = math.exp(min(float(epsilon), 700.0))
        spent = (
            f"This run spent ε = {float(epsilon):.3g} and δ = {float(delta or 0.0):.3g} in total: "
            f"at most ×{factor:.3g} for any conclusion about one person."
        )
    return {"epsilon": text_eps, "delta": text_delta, "scope": scope, "spent": spent, "docs": PRIVACY_DOCS}
