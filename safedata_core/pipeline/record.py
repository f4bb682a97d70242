"""``RunRecord``: the typed account of one run that the runner produces (steps, charges, releases, evaluations).

The record is what readers of a run (report, model card, bench, a service)
read instead of the live run context: every step with its share, spend,
number of ledger charges, result and extras; what each planned step uses
(:class:`ComponentRecord`, with its documented guarantee); a summary of the
input (:class:`DataRecord`); the profile; the ledger; the released tables; the
evaluations; and warnings with structured codes (:data:`WARNING_CODES`), so a
reader never matches a warning's text. The runner fills it through
:mod:`safedata_core.pipeline.recording`. The report is built from the record
and the tables it names (``"data"`` and the ids of steps with ``rows``):
:func:`safedata_core.report.build_report`.

It holds exact figures of the real data (row counts, attack results), like
the internal report: it is not a release.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_serializer

from safedata_core.privacy import Budget

__all__ = [
    "WARNING_CODES",
    "BudgetRecord",
    "ComponentRecord",
    "DataRecord",
    "EvaluationRecord",
    "ReleaseRecord",
    "RunRecord",
    "RunWarning",
    "StepRecord",
]

WARNING_CODES: dict[str, str] = {
    "data.categories": "declared categories match no value, or data values lie outside the declared ones",
    "dp.no_charge": "a DP step completed without a single charge in the ledger: its output is not DP",
    "dp.reproducible_noise": "DP noise came from the seed (reproducible-test mode): the run is not DP",
    "pipeline.dp_setting": "a DP setting likely to give poor results (from validation)",
}


def plain(value: Any) -> Any:
    """``value`` with numpy scalars and arrays as Python values (for JSON)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (np.ndarray, np.generic)):
        return plain(value.tolist())
    return value


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RunWarning(_Record):
    """A warning with a structured ``code`` (see :data:`WARNING_CODES`) and the step it concerns."""

    code: str
    message: str
    step: str | None = None


class BudgetRecord(_Record):
    """An (epsilon, delta) pair."""

    epsilon: float
    delta: float = 0.0

    @classmethod
    def of(cls, budget: Budget | None) -> BudgetRecord | None:
        return None if budget is None else cls(epsilon=budget.epsilon, delta=budget.delta)


class StepRecord(_Record):
    """One step: what it ran, what it spent and produced.

    ``status`` is ``"failed"`` for the step a failed run stopped at (its
    ``error`` says why); steps after it do not appear.
    """

    id: str
    use: str
    kind: str
    input: str
    target: str | None = None
    status: Literal["succeeded", "failed"] = "succeeded"
    error: str | None = None
    share: BudgetRecord | None = None
    spent: BudgetRecord | None = None
    charges: int = 0
    rows: int | None = None
    columns: list[str] | None = None
    released: bool = False
    seconds: float = 0.0
    result: dict[str, Any] = Field(default_factory=dict)
    extras: dict[str, Any] = Field(default_factory=dict)
    warnings: list[RunWarning] = Field(default_factory=list)

    @field_serializer("result", "extras")
    def _plain(self, value: dict[str, Any]) -> Any:
        return plain(value)


class ReleaseRecord(_Record):
    """A released table and the step that made it (``dp_step``: that step spent a budget share)."""

    step: str
    use: str
    kind: str
    rows: int
    columns: list[str]
    dp_step: bool
    spent: BudgetRecord | None = None


class EvaluationRecord(_Record):
    """An evaluation step's result on its target (a release or ``data``)."""

    step: str
    use: str
    kind: str
    target: str
    result: dict[str, Any] = Field(default_factory=dict)

    @field_serializer("result")
    def _plain(self, value: dict[str, Any]) -> Any:
        return plain(value)


class ComponentRecord(_Record):
    """What a planned step uses: its component, where that came from, its params and documented guarantee.

    ``dp_active`` is true when the component is DP and its params do not set
    ``dp: false``; ``share`` is the step's planned budget share (``None``: it
    spends none). ``privacy_guarantee`` and ``assumptions`` are the component
    docstring's ``**Privacy guarantee**`` and ``**Assumptions**`` paragraphs.
    """

    step: str
    use: str
    kind: str
    params: dict[str, Any] = Field(default_factory=dict)
    target: str | None = None
    share: BudgetRecord | None = None
    privacy: str = "none"
    plugin: str = "safedata-core"
    distribution: str | None = "safedata-core"
    version: str | None = None
    summary: str = ""
    privacy_guarantee: str | None = None
    assumptions: str | None = None
    dp_active: bool = False


class DataRecord(_Record):
    """The run's input after the holdout split and the dropping of direct identifiers (exact: internal only)."""

    rows: int
    columns: list[str]
    column_types: dict[str, str]
    column_roles: dict[str, str]
    holdout_rows: int = 0
    dropped_direct_identifiers: list[str] = Field(default_factory=list)
    kept_direct_identifiers: list[str] = Field(default_factory=list)
    quasi_identifiers: list[str] = Field(default_factory=list)
    sensitive: list[str] = Field(default_factory=list)
    without_public_domain: list[str] = Field(
        default_factory=list, description="columns (not boolean or text) with no declared public domain"
    )


class RunRecord(_Record):
    """The typed account of one run.

    ``data`` is ``None`` when the run failed before its input was loaded;
    ``profile`` is what the last ``profile`` step found; ``ledger`` is the
    privacy ledger as ``ledger.json`` holds it; ``thresholds`` are the
    pipeline's own ``report.thresholds`` (the report merges the defaults);
    ``audit_head`` is the hash chain's last link and ``audit_events`` the
    number of audit events (``None`` when no data was loaded).
    """

    schema_version: Literal[1] = 1
    run_id: str
    pipeline: str | None
    pipeline_sha256: str
    seed: int
    status: Literal["succeeded", "failed"]
    error: str | None = None
    seconds: float = 0.0
    noise: str | None = None
    budget: BudgetRecord | None = None
    spent: BudgetRecord | None = None
    accountant: str | None = None
    data_source: str = ""
    data: DataRecord | None = None
    profile: dict[str, Any] | None = None
    components: list[ComponentRecord] = Field(default_factory=list)
    ledger: dict[str, Any] = Field(default_factory=dict)
    thresholds: dict[str, float] = Field(default_factory=dict)
    versions: dict[str, str] = Field(default_factory=dict)
    audit_head: str = ""
    audit_events: int | None = None
    steps: list[StepRecord] = Field(default_factory=list)
    releases: list[ReleaseRecord] = Field(default_factory=list)
    evaluations: list[EvaluationRecord] = Field(default_factory=list)
    warnings: list[RunWarning] = Field(default_factory=list)

    @field_serializer("profile", "ledger")
    def _plain(self, value: Any) -> Any:
        return plain(value)

    @property
    def failed_step(self) -> StepRecord | None:
        """The step a failed run stopped at (``None`` when no step failed)."""
        return next((s for s in self.steps if s.status == "failed"), None)

    @property
    def succeeded_steps(self) -> list[StepRecord]:
        """The steps that completed, in order."""
        return [s for s in self.steps if s.status == "succeeded"]

    def component(self, step_id: str) -> ComponentRecord | None:
        """What step ``step_id`` uses (``None`` for an id no planned step has)."""
        return next((c for c in self.components if c.step == step_id), None)

    def step(self, step_id: str) -> StepRecord:
        """The record of step ``step_id`` (``KeyError`` when it did not run)."""
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def codes(self) -> list[str]:
        """The codes of all warnings, in order."""
        return [w.code for w in self.warnings]
