"""The shape of a release package's ``report.json`` as pydantic models: ``schemas/release-report.schema.json``.

The release view (:func:`safedata_core.report.release.release_view`) writes
``release/report.json``, the publishable report: public settings, the privacy
ledger and DP quantities, and the released tables' own properties. Unlike the
internal report (:mod:`safedata_core.schema.report`), its objects are closed:
a property the models do not name is refused, so no real-data statistic can
reach a release by being added to the view. Only the ledger keeps the open
shape it has in the internal report (it is copied from there).

:func:`release_report_json_schema` is what ``safedata schema export`` writes
and ``--check`` compares. Change a model together with the view, bump
:data:`RELEASE_SCHEMA_VERSION` when a field is renamed or removed, and run
``safedata schema export``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from safedata_core.schema.report import (
    BudgetPair,
    DPStatus,
    LedgerEntry,
    PrivacyExplainer,
    PrivacyKind,
    _Closed,
)

__all__ = ["RELEASE_SCHEMA_ID", "RELEASE_SCHEMA_VERSION", "ReleaseReport", "release_report_json_schema"]

RELEASE_SCHEMA_VERSION = 2
RELEASE_SCHEMA_ID = "https://safedata.dev/schemas/release-report.schema.json"
MaybeStr = str | None

# cross-section rules a model per object cannot say: the badge, the DP claim and the per-table DP labels agree
_RULES: list[dict[str, Any]] = [
    {
        "description": "A badge needs secure noise and a DP claim.",
        "if": {"properties": {"compliance": {"properties": {"badge": {"type": "object"}}}}},
        "then": {
            "properties": {
                "privacy": {
                    "properties": {
                        "noise": {"const": "secure"},
                        "dp_status": {"const": "claimed"},
                        "dp_claimed": {"const": True},
                    }
                }
            }
        },
    },
    {
        "description": "A DP claim needs secure noise.",
        "if": {"properties": {"privacy": {"properties": {"dp_claimed": {"const": True}}}}},
        "then": {
            "properties": {"privacy": {"properties": {"noise": {"const": "secure"}, "dp_status": {"const": "claimed"}}}}
        },
    },
    {
        "description": "No release is labelled DP unless the package claims DP.",
        "if": {"properties": {"privacy": {"properties": {"dp_claimed": {"const": False}}}}},
        "then": {"properties": {"releases": {"items": {"properties": {"dp": {"const": False}}}}}},
    },
]


class ReleaseFailedStep(_Closed):
    """The step a failed run stopped at (``dp``: it was a DP step)."""

    step: str
    use: str
    kind: str
    dp: bool


class ReleaseRun(_Closed):
    """The run's identity: id, pipeline name and hash, seed, status, versions and the release date."""

    id: str
    name: str
    status: Literal["succeeded", "failed"]
    failed_step: ReleaseFailedStep | None
    pipeline_sha256: str = Field(pattern="^[0-9a-f]{64}$")
    seed: int = Field(ge=0)
    versions: dict[str, str]
    released_on: MaybeStr = Field(json_schema_extra={"format": "date"})


class ReleaseData(_Closed):
    """The data source's name (nothing computed on the data)."""

    source: MaybeStr


class ReleasePrivacy(_Closed):
    """The DP status and claim, the noise mode, the DP steps and warnings, and the privacy ledger."""

    dp_status: DPStatus
    dp_claimed: bool
    noise: MaybeStr
    dp_steps: list[str]
    dp_warnings: list[str]
    ledger: LedgerEntry


class ReleaseComponent(_Closed):
    """What made a released table: the component's summary, origin and documented guarantee."""

    summary: MaybeStr
    plugin: MaybeStr
    distribution: MaybeStr
    version: MaybeStr
    privacy_guarantee: MaybeStr
    assumptions: MaybeStr


class ReleasedTable(_Closed):
    """The released table's own properties (outputs of the release)."""

    rows: int = Field(ge=0, description="Rows of the released table (an output of the release, not the input size).")
    columns: list[str]


class ReleaseSDCFacts(_Closed):
    """Facts about an SDC release, computed on the released table."""

    chain: list[str]
    final: bool
    quasi_identifiers: list[str]
    k_anonymity: int | None
    records_below_k: int | None


class Release(_Closed):
    """One released table: what made it, its budget share and spend, its DP label and its own properties."""

    # a DP table comes from a DP synthesizer or mechanism with secure noise; an SDC table is never DP
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "allOf": [
                {
                    "if": {"properties": {"dp": {"const": True}}},
                    "then": {
                        "properties": {
                            "noise": {"const": "secure"},
                            "kind": {"enum": ["synthesizer", "mechanism"]},
                            "privacy": {"const": "dp"},
                        }
                    },
                },
                {
                    "if": {"properties": {"kind": {"const": "sdc"}}},
                    "then": {"properties": {"dp": {"const": False}, "label": {"pattern": "^not DP"}}},
                },
            ]
        },
    )

    step: str
    use: str
    kind: Literal["synthesizer", "sdc", "mechanism"]
    privacy: PrivacyKind
    dp: bool = Field(description="A DP guarantee is claimed for this table (DP component, charged, secure noise).")
    label: str = Field(min_length=1)
    noise: MaybeStr
    epsilon: float | None
    delta: float | None
    share: BudgetPair | None
    params: dict[str, Any]
    component: ReleaseComponent
    table: ReleasedTable
    sdc: ReleaseSDCFacts | None = Field(
        default=None, description="SDC releases only: facts computed on the released table."
    )


class ReleaseBadge(_Closed):
    """The compliance badge: the DP releases it covers and those it does not, and on what basis."""

    label: str
    releases: list[str] = Field(min_length=1)
    not_covered: list[str]
    basis: str


class ReleaseCompliance(_Closed):
    """The disclaimer and the badge, or why there is none."""

    disclaimer: str
    badge: ReleaseBadge | None
    no_badge_reason: MaybeStr


class ReleaseReport(_Closed):
    """The publishable report of a run's ``release/`` package."""

    schema_version: Literal[2]
    kind: Literal["release"]
    notice: str = Field(min_length=1)
    dp_headline: str = Field(min_length=1, description="One line: what the package may claim.")
    run: ReleaseRun
    data: ReleaseData
    privacy: ReleasePrivacy
    releases: list[Release]
    compliance: ReleaseCompliance
    privacy_explainer: PrivacyExplainer = Field(
        description="Plain-language epsilon and delta, the run's total spend and a link to the threat model."
    )


def release_report_json_schema() -> dict[str, Any]:
    """The JSON Schema of a release package's ``report.json`` (``schemas/release-report.schema.json``)."""
    schema = ReleaseReport.model_json_schema()
    schema["title"] = "safedata release report.json"
    schema["description"] = (
        "The publishable report of a run's release/ package, derived from the internal report by "
        "safedata_core.report.release.release_view. It holds only public settings, the privacy ledger and DP "
        "quantities about the private data, and the released tables' own properties; no property outside this "
        "schema is allowed, so no real-data statistic (input row count, holdout size, marginals, ranges, "
        "categories, profile, attack or fidelity results, timings) can appear. Generated from "
        "safedata_core/schema/release_report.py by `safedata schema export`."
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": RELEASE_SCHEMA_ID,
        "schema_version": RELEASE_SCHEMA_VERSION,
        **schema,
        "allOf": _RULES,
    }
