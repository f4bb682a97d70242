"""The compliance section (safedata_core/report/compliance.py): guidance per notion, a badge only with a DP claim."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from safedata_core.report.compliance import DISCLAIMER, compliance_section
from safedata_core.report.dpstatus import TEST_NOISE_LABEL


def _report(**privacy: Any) -> dict[str, Any]:
    attack = {"step": "link", "use": "linkage", "target": "synthetic", "risk": 0.02, "risk_ci": [0.0, 0.05]}
    return {
        "run": {"status": "succeeded"},
        "thresholds": {"max_risk": 0.1},
        "privacy": {
            "dp_status": "claimed",
            "noise": "secure",
            "ledger": {"spent": {"epsilon": 1.0, "delta": 1e-6}},
            **privacy,
        },
        "attacks": {"results": [attack], "verdict": "pass"},
        "releases": [
            {"step": "synthetic", "released": True, "dp": True},
            {"step": "sdc", "released": True, "dp": False},
        ],
        "data": {"columns": ["age", "zip_code", "income"], "dropped_direct_identifiers": ["ssn"]},
        "summary": {"verdict": "pass"},
    }


def _item(section: dict[str, Any], notion_start: str) -> dict[str, Any]:
    return next(i for i in section["items"] if i["notion"].startswith(notion_start))


def test_a_claimed_dp_run_gets_the_badge_and_the_evidence_per_notion() -> None:
    section = compliance_section(_report())
    assert section["disclaimer"] == DISCLAIMER and section["claim"] is True and section["no_claim_reason"] is None
    assert section["badge"]["releases"] == ["synthetic"]
    assert section["badge"]["label"] == "DP guarantee held; measured risks within thresholds"
    assert section["releases_without_dp"] == ["sdc"] and section["all_releases_dp"] is False
    assert [i["framework"] for i in section["items"]] == ["HIPAA", "HIPAA", "GDPR", "GDPR", "GDPR", "CCPA"]
    safe_harbor = _item(section, "Safe Harbor")
    assert safe_harbor["status"] == "needs_review" and "zip_code" in safe_harbor["evidence"][0]
    assert safe_harbor["evidence"][1] == "dropped direct identifiers: ssn"
    link = _item(section, "Linkability")
    assert link["status"] == "supported" and link["evidence"][0].startswith("link (linkage) on 'synthetic': risk 0.020")
    assert _item(section, "Singling out")["status"] == "no_evidence"  # no singling-out attack was run


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"dp_status": "reproducible_noise"}, TEST_NOISE_LABEL),
        ({"noise": "seeded"}, TEST_NOISE_LABEL),
        ({"dp_status": "failed"}, "the DP step failed, so no DP guarantee holds"),
    ],
)
def test_no_badge_without_secure_noise_and_a_dp_claim(change: dict[str, Any], reason: str) -> None:
    section = compliance_section(_report(**change))
    assert section["claim"] is False and section["badge"] is None and section["no_claim_reason"] == reason


def test_a_failed_section_or_run_withholds_the_badge_and_support() -> None:
    risky = _report()
    risky["attacks"]["results"][0]["risk"] = 0.4
    risky["attacks"]["verdict"] = "fail"
    section = compliance_section(risky)
    assert section["badge"] is None and section["no_claim_reason"] == "a section failed its thresholds"
    assert _item(section, "Linkability")["status"] == "not_supported"
    failed = copy.deepcopy(_report())
    failed["run"]["status"] = "failed"
    section = compliance_section(failed)
    assert section["no_claim_reason"] == "the run failed"
    assert {i["status"] for i in section["items"]} == {"not_supported"}
