"""The compliance section: evidence from the run mapped to HIPAA, GDPR and CCPA de-identification notions.

This is guidance for a data steward, never a legal determination. A
``badge`` (the one-line "evidence supports ..." claim the HTML shows) is only
given when the run succeeded, its DP noise came from the secure generator
(``privacy.noise: secure``), a DP guarantee is claimed for its DP releases and
no section failed; a run whose DP step failed, that used the reproducible test
noise, or that claimed no DP guarantee, gets ``badge: null``.
"""

from __future__ import annotations

import re
from typing import Any

from safedata_core.report.dpstatus import SECURE, TEST_NOISE_LABEL

__all__ = ["DISCLAIMER", "compliance_section"]

DISCLAIMER = (
    "Guidance only: this section maps technical evidence from the run to legal de-identification notions. "
    "It is not legal advice and not a legal determination; a qualified expert or counsel must make that call."
)
# HIPAA Safe Harbor (45 CFR 164.514(b)(2)) identifier families, matched on column names.
_SAFE_HARBOR = re.compile(
    r"(^|_)(name|first_?name|last_?name|ssn|social|address|street|city|zip|postcode|postal|phone|fax|e_?mail|"
    r"mrn|record_?number|account|licen[cs]e|vin|plate|device|serial|url|ip(_?addr)?|biometric|photo|face|"
    r"birth_?date|dob|admission|discharge|death_?date)(_|$)",
    re.I,
)


def _attacks_like(attacks: list[dict[str, Any]], *words: str) -> list[dict[str, Any]]:
    return [a for a in attacks if any(w in a["use"] for w in words)]


def _attack_evidence(found: list[dict[str, Any]], max_risk: float, what: str) -> tuple[str, list[str]]:
    if not found:
        return "no_evidence", [f"no {what} attack was run (add one to the pipeline)"]
    worst = max(a["risk"] for a in found)
    ev = [
        f"{a['step']} ({a['use']}) on '{a['target']}': risk {a['risk']:.3f} "
        f"[{a['risk_ci'][0]:.3f}, {a['risk_ci'][1]:.3f}]"
        for a in found
    ]
    return ("supported" if worst <= max_risk else "not_supported"), ev


def compliance_section(report: dict[str, Any]) -> dict[str, Any]:
    """Build the compliance mapping from the other report sections (call last)."""
    run_ok = report["run"]["status"] == "succeeded"
    dp_status = report["privacy"]["dp_status"]
    max_risk = report["thresholds"]["max_risk"]
    attacks = report["attacks"]["results"]
    releases = report.get("releases", [])
    dp_releases = [r["step"] for r in releases if r["released"] and r["dp"]]
    other_releases = [r["step"] for r in releases if r["released"] and not r["dp"]]
    all_dp = bool(dp_releases) and not other_releases
    spent_eps = (report["privacy"]["ledger"].get("spent") or {}).get("epsilon", 0.0)
    dp_note = (
        f"differentially private releases: {', '.join(dp_releases)} (total epsilon {spent_eps:.3g})"
        + (f"; without a DP guarantee: {', '.join(other_releases)}" if other_releases else "")
        if dp_status == "claimed" and dp_releases
        else "a DP step failed: no DP guarantee holds"
        if dp_status == "failed"
        else TEST_NOISE_LABEL
        if dp_status == "reproducible_noise"
        else "no DP guarantee is claimed for every release"
    )
    columns = report.get("data", {}).get("columns", [])
    flagged = [c for c in columns if _SAFE_HARBOR.search(c)]
    items: list[dict[str, Any]] = []
    sh_status = "needs_review" if flagged else "supported"
    items.append(
        {
            "framework": "HIPAA",
            "notion": "Safe Harbor: the 18 identifier types removed (45 CFR 164.514(b)(2))",
            "status": sh_status if run_ok else "not_supported",
            "evidence": [
                f"released columns whose names suggest a Safe Harbor identifier: {', '.join(flagged)}"
                if flagged
                else "no released column name matches a Safe Harbor identifier family",
                "dropped direct identifiers: "
                + (", ".join(report["data"].get("dropped_direct_identifiers") or []) or "none declared"),
                "Safe Harbor also needs dates reduced to year, ages over 89 pooled and 3-digit ZIPs checked; "
                "verify these on the released files",
            ],
        }
    )
    link_status, link_ev = _attack_evidence(_attacks_like(attacks, "linkage", "link"), max_risk, "linkage")
    so_status, so_ev = _attack_evidence(_attacks_like(attacks, "singling"), max_risk, "singling-out")
    inf_status, inf_ev = _attack_evidence(_attacks_like(attacks, "attribute", "inference"), max_risk, "inference")
    all_attacks_ok = report["attacks"]["verdict"] in ("pass", "not_applicable") and bool(attacks)
    items.append(
        {
            "framework": "HIPAA",
            "notion": "Expert determination: very small re-identification risk (45 CFR 164.514(b)(1))",
            "status": ("supported" if all_attacks_ok and run_ok else "not_supported" if attacks else "no_evidence"),
            "evidence": [
                f"{len(attacks)} attacks run, threshold max_risk={max_risk:g}",
                dp_note,
                "an expert must review and sign the determination",
            ],
        }
    )
    for notion, status, ev in (
        ("Singling out (Article 29 WP Opinion 05/2014)", so_status, so_ev),
        ("Linkability (Article 29 WP Opinion 05/2014)", link_status, link_ev),
        ("Inference (Article 29 WP Opinion 05/2014)", inf_status, inf_ev),
    ):
        items.append(
            {
                "framework": "GDPR",
                "notion": notion,
                "status": status if run_ok else "not_supported",
                "evidence": [*ev, dp_note],
            }
        )
    items.append(
        {
            "framework": "CCPA",
            "notion": "Deidentified: cannot reasonably be linked to a consumer (Cal. Civ. Code 1798.140(m))",
            "status": link_status if run_ok else "not_supported",
            "evidence": [
                *link_ev,
                dp_note,
                "CCPA also requires technical safeguards, a public commitment not to "
                "re-identify and contractual terms for recipients",
            ],
        }
    )
    secure = report["privacy"].get("noise") == SECURE
    claim = (
        run_ok
        and dp_status == "claimed"
        and secure
        and bool(dp_releases)
        and report["summary"]["verdict"] != "fail"
        and report["attacks"]["verdict"] != "fail"
    )
    badge = None
    if claim:
        badge = {
            "label": "DP guarantee held" + ("; measured risks within thresholds" if attacks else ""),
            "releases": dp_releases,
            "basis": f"{dp_note}; noise {SECURE}; attacks verdict {report['attacks']['verdict']}",
        }
    reason = (
        None
        if claim
        else (
            "the run failed"
            if not run_ok and dp_status != "failed"
            else "the DP step failed, so no DP guarantee holds"
            if dp_status == "failed"
            else TEST_NOISE_LABEL
            if dp_status == "reproducible_noise" or (dp_releases and not secure)
            else "no DP guarantee was claimed"
            if not dp_releases
            else "a section failed its thresholds"
        )
    )
    return {
        "disclaimer": DISCLAIMER,
        "claim": claim,
        "badge": badge,
        "no_claim_reason": reason,
        "dp_releases": dp_releases,
        "releases_without_dp": other_releases,
        "all_releases_dp": all_dp,
        "items": items,
    }
