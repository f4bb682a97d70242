"""The shape of ``report.json`` as pydantic models: ``schemas/report.schema.json`` is generated from them.

:func:`report_json_schema` is what ``safedata schema export`` writes and
``safedata schema export --check`` compares with the committed file. The
models describe the JSON the report builder (:mod:`safedata_core.report.build`)
writes; :meth:`Report.model_validate` checks a report against them.

Objects are open (fields may be added: a reader ignores what it does not
know); a field that is not always present is optional and never ``null``
unless its type says so. Change a model together with the builder, bump
:data:`REPORT_SCHEMA_VERSION` when a field is renamed or removed, and run
``safedata schema export``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

__all__ = ["REPORT_SCHEMA_ID", "REPORT_SCHEMA_VERSION", "Report", "report_json_schema"]

REPORT_SCHEMA_VERSION = 4
REPORT_SCHEMA_ID = "https://safedata.dev/schemas/report.schema.json"

Verdict = Literal["pass", "warn", "fail"]
SectionVerdict = Literal["pass", "warn", "fail", "not_applicable"]
DPStatus = Literal["claimed", "failed", "not_claimed", "reproducible_noise"]
PrivacyKind = Literal["dp", "sdc", "none"]
OneLine = Annotated[str, Field(pattern=r"^[^\n]*$")]

# cross-section rules that a model per object cannot say: no badge without a DP claim and secure noise
_RULES: list[dict[str, Any]] = [
    {
        "if": {"properties": {"compliance": {"properties": {"claim": {"const": False}}}}},
        "then": {"properties": {"compliance": {"properties": {"badge": {"type": "null"}}}}},
    },
    {
        "if": {
            "properties": {
                "privacy": {"properties": {"dp_status": {"enum": ["failed", "not_claimed", "reproducible_noise"]}}}
            }
        },
        "then": {"properties": {"compliance": {"properties": {"claim": {"const": False}}}}},
    },
    {
        "description": "The compliance badge needs secure noise and a DP claim.",
        "if": {"properties": {"compliance": {"properties": {"badge": {"type": "object"}}, "required": ["badge"]}}},
        "then": {
            "properties": {"privacy": {"properties": {"noise": {"const": "secure"}, "dp_status": {"const": "claimed"}}}}
        },
    },
]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FailedStep(_Open):
    """The step a failed run stopped at (``dp``: it was a DP step)."""

    step: str
    use: str
    kind: str
    dp: bool


class RunInfo(_Open):
    """Run identity: id, pipeline name and hash, seed, status, versions, timing and the audit chain head."""

    id: str
    name: str
    status: Literal["succeeded", "failed"]
    error: str | None
    failed_step: FailedStep | None
    pipeline_sha256: str = Field(pattern="^[0-9a-f]{64}$")
    seed: int = Field(ge=0)
    versions: dict[str, str]
    finished_at: str = Field(json_schema_extra={"format": "date-time"})
    seconds: float = Field(ge=0)
    audit_head: str = Field(pattern="^[0-9a-f]{64}$")
    audit_events: int | None


class Thresholds(_Open):
    """The verdict thresholds in force (the pipeline's ``report.thresholds`` over the defaults)."""

    max_risk: float
    min_utility: float
    utility_margin: float
    min_k: float
    max_suppression: float
    max_epsilon: float
    proxy_warn_u: float = Field(ge=0, le=1)
    proxy_fail_u: float = Field(ge=0, le=1)


class DataSummary(_Open):
    """The input after the holdout split and dropped direct identifiers (only ``source`` when loading failed)."""

    source: str
    rows: int | SkipJsonSchema[None] = None
    columns: list[str] | SkipJsonSchema[None] = None
    column_types: dict[str, str] | SkipJsonSchema[None] = None
    column_roles: dict[str, str] | SkipJsonSchema[None] = None
    holdout_rows: int | SkipJsonSchema[None] = None
    dropped_direct_identifiers: list[str] | SkipJsonSchema[None] = None


class Finding(_Open):
    """One finding about the input, with its severity."""

    severity: Literal["info", "warn", "fail"]
    message: str


class InventorySection(_Open):
    """Findings about the input and the profile they come from."""

    findings: list[Finding]
    profile: dict[str, Any] | None


class BudgetPair(_Open):
    """An (epsilon, delta) pair."""

    epsilon: float | None
    delta: float | None


class ComponentEntry(_Open):
    """What a planned step uses: component, origin, params, budget share and documented guarantee."""

    step: str
    use: str
    kind: str
    params: dict[str, Any]
    target: str | None = None
    share: BudgetPair | None = None
    privacy: PrivacyKind
    plugin: str | None = None
    distribution: str | None = None
    version: str | None = None
    summary: str | SkipJsonSchema[None] = None
    privacy_guarantee: str | None = None
    assumptions: str | None = None
    dp_active: bool


class Charge(_Open):
    """One charge in the privacy ledger."""

    step: str
    component: str
    mechanism: str
    epsilon: float | None
    delta: float | None
    count: int | SkipJsonSchema[None] = None
    params: dict[str, Any] | SkipJsonSchema[None] = None
    note: str | SkipJsonSchema[None] = None


class LedgerEntry(_Open):
    """The privacy ledger: accountant, budget, spend, shares and every charge."""

    accountant: str
    budget: BudgetPair | None
    spent: BudgetPair | None
    shares: dict[str, BudgetPair | None] | SkipJsonSchema[None] = None
    charges: list[Charge]


class PrivacySection(_Open):
    """The privacy section: ledger, DP status, noise mode, verdict with reasons and DP warnings."""

    ledger: LedgerEntry
    dp_steps: list[str]
    dp_claimed: bool
    dp_status: DPStatus
    verdict: SectionVerdict
    reasons: list[str]
    note: str
    noise: str | None = Field(
        description="DP noise mode: 'secure' (CSPRNG) or a reproducible test mode; null without DP steps."
    )
    silent_steps: list[str] = Field(description="DP steps that completed without a ledger charge.")
    dp_warnings: list[str]


class Marginal(_Open):
    """One column's marginal in the original and the released table (proportions per label or bin)."""

    column: str
    comparable: bool
    numeric: bool | SkipJsonSchema[None] = None
    labels: list[str] | SkipJsonSchema[None] = None
    original: list[float] | SkipJsonSchema[None] = None
    released: list[float] | SkipJsonSchema[None] = None
    tvd: Annotated[float, Field(ge=0, le=1)] | SkipJsonSchema[None] = None
    note: str | SkipJsonSchema[None] = None


class Association(_Open):
    """Pairwise association (Cramer's V) in the original and its difference in the released table."""

    measure: str
    columns: list[str]
    original: list[list[float]] | SkipJsonSchema[None] = None
    difference: list[list[float]]
    mean_difference: float
    max_difference: float


class Check(_Open):
    """One check behind a verdict."""

    check: Literal["attack", "utility", "sdc", "proxy", "dp"]
    verdict: SectionVerdict
    reason: str | None = Field(pattern="^[^\\n]*$")
    value: float | None = None


class ReleaseEntry(_Open):
    """One released table: what made it, its spend, DP label, fidelity to the original and verdict."""

    # a warning or failing release says why
    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "allOf": [
                {
                    "if": {"properties": {"verdict": {"enum": ["warn", "fail"]}}},
                    "then": {"properties": {"reasons": {"minItems": 1}}},
                }
            ]
        },
    )

    step: str
    use: str
    kind: Literal["synthesizer", "sdc", "mechanism"]
    privacy: PrivacyKind
    dp: bool
    rows: int = Field(ge=0)
    released: bool
    epsilon: float | None
    delta: float | None
    marginals: list[Marginal]
    association: Association | None
    label: str = Field(description="One line: 'differentially private (...)' or 'not DP: why'.")
    noise: str | None
    columns: list[str]
    verdict: Verdict
    reasons: list[OneLine] = Field(description="Failing/warning checks, most severe first, one line each.")
    checks: list[Check] = Field(description="Every check that concerns this table.")


class Proxy(_Open):
    """A kept column that gives back a hidden quasi-identifier."""

    column: str
    determines: str
    hidden_as: Literal["suppressed", "generalised", "suppressed or generalised", "dropped"]
    theil_u: float = Field(ge=0, le=1)
    hidden_records: int = Field(ge=0)
    revealed_share: float = Field(ge=0, le=1)
    revealing_values: list[str]
    verdict: Literal["warn", "fail"]


class SDCStep(_Open):
    """One SDC step: what changed, information loss and k-anonymity before and after."""

    step: str
    use: str
    changes: dict[str, Any]
    rows_before: int
    rows_after: int
    information_loss: dict[str, Any]
    k_before: int | SkipJsonSchema[None] = None
    k_after: int | SkipJsonSchema[None] = None
    records_below_k_after: int | SkipJsonSchema[None] = None
    quasi_identifiers: list[str] | SkipJsonSchema[None] = None
    verdict: SectionVerdict
    input: str | SkipJsonSchema[None] = Field(None, description="Table the step read: 'data' or an earlier step id.")
    final: bool | SkipJsonSchema[None] = Field(
        None, description="True when no later SDC step reads this step's output: it is the release of its chain."
    )
    chain: list[str] | SkipJsonSchema[None] = Field(
        None, description="SDC steps from the chain's first step up to this one."
    )
    note: str | SkipJsonSchema[None] = None
    reasons: list[str]
    checks: list[Check] | SkipJsonSchema[None] = None
    proxies: list[Proxy] | SkipJsonSchema[None] = None


class SDCChain(_Open):
    """An SDC release chain, judged by its last step (the release)."""

    release: str
    steps: list[str]
    input: str
    k_before: int | None = None
    k_after: int | None = None
    records_below_k_after: int | None = None
    information_loss: dict[str, Any] | SkipJsonSchema[None] = None
    verdict: SectionVerdict
    proxies: list[Proxy] | SkipJsonSchema[None] = None


class SDCSection(_Open):
    """SDC steps and release chains with their verdict."""

    verdict: SectionVerdict
    reasons: list[str]
    steps: list[SDCStep]
    chains: list[SDCChain] | SkipJsonSchema[None] = Field(
        None, description="One entry per SDC release chain, judged by its last step (the release)."
    )


class AttackResultEntry(_Open):
    """One attack's result with intervals and baselines, judged against ``max_risk``."""

    step: str
    use: str
    target: str | None
    verdict: SectionVerdict
    risk: float
    risk_ci: list[float | None] | None = Field(min_length=2, max_length=2)
    success_rate: float | None
    success_ci: list[float | None] | None = Field(None, min_length=2, max_length=2)
    baseline_rate: float | None
    baseline_ci: list[float | None] | None = Field(None, min_length=2, max_length=2)
    control_rate: float | None = None
    control_ci: list[float | None] | None = Field(None, min_length=2, max_length=2)
    n_attempts: int | None
    details: dict[str, Any] | SkipJsonSchema[None] = None
    reason: str | None


class AttackSection(_Open):
    """Attack results and their verdict."""

    verdict: SectionVerdict
    reasons: list[str]
    results: list[AttackResultEntry]


class UtilityResult(_Open):
    """One utility metric's score on its target."""

    step: str
    use: str
    target: str
    score: float | None
    higher_is_better: bool
    details: dict[str, Any]


class UtilityVerdict(_Open):
    """The utility verdict of one release."""

    verdict: Verdict
    reason: str | None


class UtilitySection(_Open):
    """Utility scores, the mean per release and its verdict."""

    verdict: SectionVerdict
    reasons: list[str]
    results: list[UtilityResult]
    per_release: dict[str, float]
    release_verdicts: dict[str, UtilityVerdict]


class StepEntry(_Open):
    """One completed step: its result, share, spend and timing."""

    step: str
    use: str
    kind: str
    rows: int | None = None
    released: bool
    result: dict[str, Any]
    share: BudgetPair | None = None
    spent: BudgetPair | None = None
    seconds: float
    extras: dict[str, Any] | SkipJsonSchema[None] = None


class BudgetSummary(_Open):
    """The budget in one place: accountant, spend and total."""

    accountant: str | None
    epsilon_spent: float | None
    delta_spent: float | None
    epsilon_total: float | None
    delta_total: float | None


class HighestRisk(_Open):
    """The attack with the highest measured risk."""

    risk_ci: Any
    use: Any
    target: Any
    risk: Any
    step: Any


class SectionVerdicts(_Open):
    """The verdict of each judged section."""

    privacy: SectionVerdict
    sdc: SectionVerdict
    attacks: SectionVerdict
    utility: SectionVerdict


class PublishDecision(_Open):
    """Whether one released table may be published, and why."""

    # the decision follows the verdict: pass -> yes, warn -> review, fail -> no
    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "allOf": [
                {"if": {"properties": {"verdict": {"const": v}}}, "then": {"properties": {"decision": {"const": d}}}}
                for v, d in (("pass", "yes"), ("warn", "review"), ("fail", "no"))
            ]
        },
    )

    release: str
    decision: Literal["yes", "review", "no"]
    verdict: Verdict
    dp: bool
    label: str
    problems: list[str]
    text: str = Field(pattern="^Publish `[^`]+`: (yes|no|not before a review), because [^\\n]+$")


class PrivacyExplainer(_Closed):
    """Plain-language epsilon and delta, the run's spend and where to read more."""

    epsilon: str = Field(min_length=1)
    delta: str = Field(min_length=1)
    scope: str = Field(min_length=1)
    spent: str = Field(min_length=1)
    docs: str = Field(min_length=1)


class Summary(_Open):
    """The one-screen summary: overall verdict, budget, highest risk, utility and messages."""

    verdict: Verdict
    status: Literal["succeeded", "failed"]
    dp_status: DPStatus
    budget: BudgetSummary
    highest_risk: HighestRisk | None
    utility: dict[str, float]
    verdicts: SectionVerdicts
    messages: list[str]
    noise: str | None = Field(
        description="DP noise mode: 'secure' (CSPRNG) or a reproducible test mode; null without DP steps."
    )
    publish: list[PublishDecision] = Field(
        description="Per released table: may it be published ('yes', 'review', 'no') and why, in plain language."
    )
    privacy_explainer: PrivacyExplainer = Field(
        description="Plain-language epsilon and delta, the run's total spend and a link to the threat model."
    )


class Badge(_Open):
    """The compliance badge (only for a run with a DP claim, secure noise and no failing section)."""

    label: Any
    releases: Any
    basis: Any


class ComplianceItem(_Open):
    """One legal notion and the run's evidence for it."""

    framework: Literal["HIPAA", "GDPR", "CCPA"]
    notion: str
    status: Literal["supported", "not_supported", "needs_review", "no_evidence"]
    evidence: list[str]


class ComplianceSection(_Open):
    """Evidence mapped to HIPAA, GDPR and CCPA notions (guidance, not a legal determination)."""

    disclaimer: str = Field(pattern="not a legal determination")
    claim: bool
    badge: Badge | None
    no_claim_reason: str | None
    dp_releases: list[str]
    releases_without_dp: list[str]
    all_releases_dp: bool
    items: list[ComplianceItem] = Field(min_length=1)


class Report(_Open):
    """The full (INTERNAL) report of one pipeline run."""

    schema_version: Literal[4]
    kind: Literal["internal"] = Field(
        description="This report holds non-DP statistics of the real data: never publish it."
    )
    notice: str = Field(min_length=1, description="The do-not-publish notice shown at the top of report.html.")
    run: RunInfo
    thresholds: Thresholds
    data: DataSummary
    inventory: InventorySection
    profile: dict[str, Any] | None = None
    components: list[ComponentEntry]
    privacy: PrivacySection
    releases: list[ReleaseEntry]
    sdc: SDCSection
    attacks: AttackSection
    utility: UtilitySection
    steps: list[StepEntry]
    warnings: list[str]
    summary: Summary
    narrative: list[str]
    compliance: ComplianceSection


def report_json_schema() -> dict[str, Any]:
    """The JSON Schema of ``report.json`` (``schemas/report.schema.json``)."""
    schema = Report.model_json_schema()
    schema["title"] = "safedata report.json"
    schema["description"] = (
        "The full (INTERNAL) Privacy-Utility report of one pipeline run: the source of truth for report.html; it "
        "holds non-DP statistics of the real data and must not be published (the release package's report is "
        "schemas/release-report.schema.json). Generated from safedata_core/schema/report.py by "
        "`safedata schema export`."
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": REPORT_SCHEMA_ID,
        "schema_version": REPORT_SCHEMA_VERSION,
        **schema,
        "allOf": _RULES,
    }
