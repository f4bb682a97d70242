"""The report's privacy section: which noise was used, whether a DP guarantee is claimed, and DP warnings.

A DP guarantee is claimed (``dp_status: "claimed"``) only when the run
succeeded, it had DP steps, and their noise came from the secure generator
(``privacy.noise: secure``). With the reproducible test noise the DP noise can
be rebuilt from the published seed, so the report says
:data:`TEST_NOISE_LABEL` and claims nothing (``dp_status:
"reproducible_noise"``).

Everything here reads structured fields of the run record (each step's
number of ledger charges, the noise mode, the components' shares), never the
text of a warning, and
the DP warnings it writes mention only public settings and ledger quantities,
so they can travel with the release package.
"""

from __future__ import annotations

from typing import Any

from safedata_core.pipeline.record import RunRecord

__all__ = [
    "DP_STATUSES",
    "NOT_A_RELEASE",
    "SECURE",
    "TEST_NOISE_LABEL",
    "privacy_section",
    "silent_dp_steps",
]

SECURE = "secure"
TEST_NOISE_LABEL = "not DP: noise reproducible from the seed (test mode)"
DP_STATUSES = ("claimed", "failed", "not_claimed", "reproducible_noise")
NOT_A_RELEASE = (
    "This internal report contains non-DP statistics of the real data (input and holdout row counts, "
    "column types and roles, exact marginals, ranges and top categories, the profile and k-anonymity, "
    "SDC before/after counts, attack results on real records, real-vs-synthetic fidelity and utility, "
    "timings) and the run directory's internal/metadata.json may hold ranges and categories inferred from "
    "the data. It is an evaluation for the data steward: do not publish it. Publish the release/ package "
    "(released tables, the DP-only report, ledger and model card) instead."
)


def silent_dp_steps(record: RunRecord) -> list[dict[str, str]]:
    """DP steps that completed without a single charge in the ledger (the record's charge counts, not warnings)."""
    return [
        {"step": s.id, "use": s.use}
        for s in record.succeeded_steps
        if s.share is not None and s.charges == 0 and (c := record.component(s.id)) is not None and c.dp_active
    ]


def _dp_status(dp_steps: list[str], status: str, failed: dict[str, Any] | None, noise: str | None) -> str:
    if failed is not None and failed["dp"]:
        return "failed"
    if not dp_steps:
        return "not_claimed"
    if status != "succeeded":
        return "failed"  # the run failed around DP steps: no guarantee is claimed
    return "claimed" if noise == SECURE else "reproducible_noise"


def privacy_section(
    record: RunRecord, *, failed: dict[str, Any] | None, thresholds: dict[str, float]
) -> dict[str, Any]:
    """The ``privacy`` section: ledger, DP status, noise mode, verdict with reasons and DP warnings."""
    ledger, noise = record.ledger, record.noise
    dp_steps = [c.step for c in record.components if c.share is not None]
    dp_status = _dp_status(dp_steps, record.status, failed, noise if dp_steps else None)
    silent = silent_dp_steps(record)
    spent = (ledger.get("spent") or {}).get("epsilon", 0.0) or 0.0
    dp_warnings: list[str] = []
    if dp_status == "reproducible_noise":
        dp_warnings.append(f"{TEST_NOISE_LABEL}: privacy.noise is '{noise}'; set privacy.noise: secure for a release")
    dp_warnings += [f"step '{s['step']}': DP component '{s['use']}' recorded no charge in the ledger" for s in silent]
    if dp_steps and spent > thresholds["max_epsilon"]:
        dp_warnings.append(f"epsilon spent {spent:.3g} > max_epsilon {thresholds['max_epsilon']:g}")
    reasons: list[str] = []
    if dp_status == "failed":
        verdict = "fail"
        reasons.append("a DP step failed: no differential privacy guarantee holds for this run")
    elif dp_status == "not_claimed":
        verdict = "not_applicable"
    else:
        verdict = "warn" if dp_warnings else "pass"
        reasons += dp_warnings
    return {
        "ledger": ledger,
        "dp_steps": dp_steps,
        "dp_claimed": dp_status == "claimed",
        "dp_status": dp_status,
        "noise": noise if dp_steps else None,
        "silent_steps": [s["step"] for s in silent],
        "dp_warnings": dp_warnings,
        "verdict": verdict,
        "reasons": reasons,
        "note": NOT_A_RELEASE,
    }
