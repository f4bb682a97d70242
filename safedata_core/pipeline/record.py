"""``RunRecord``: the typed account of one run that the runner produces (steps, charges, releases, evaluations).

The record is what readers of a run (report, model card, bench, a service)
should read instead of the live run context: every step with its share,
spend, number of ledger charges, result and extras; the released tables; the
evaluations; and warnings with structured codes (:data:`WARNING_CODES`), so a
reader never matches a warning's text.

It holds exact figures of the real data (row counts, attack results), like
the internal report: it is not a release.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_serializer

from safedata_core.privacy import Budget

if TYPE_CHECKING:
    from safedata_core.pipeline.context import StepOutcome
    from safedata_core.privacy import Ledger
    from safedata_core.schema.validate import PlannedStep, ResolvedPipeline

__all__ = [
    "WARNING_CODES",
    "BudgetRecord",
    "EvaluationRecord",
    "ReleaseRecord",
    "RunRecord",
    "RunWarning",
    "StepRecord",
    "failed_step_record",
    "run_record",
    "step_record",
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


class RunRecord(_Record):
    """The typed account of one run."""

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
    steps: list[StepRecord] = Field(default_factory=list)
    releases: list[ReleaseRecord] = Field(default_factory=list)
    evaluations: list[EvaluationRecord] = Field(default_factory=list)
    warnings: list[RunWarning] = Field(default_factory=list)

    def step(self, step_id: str) -> StepRecord:
        """The record of step ``step_id`` (``KeyError`` when it did not run)."""
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def codes(self) -> list[str]:
        """The codes of all warnings, in order."""
        return [w.code for w in self.warnings]


NOT_A_TABLE = (None, "all", "rare")  # step targets that name records to treat, not a table to evaluate


def step_record(plan: PlannedStep, outcome: StepOutcome, *, charges: int, warnings: list[RunWarning]) -> StepRecord:
    """The record of a step that succeeded."""
    table = outcome.table
    return StepRecord(
        id=plan.spec.id,
        use=plan.spec.use,
        kind=plan.kind,
        input=plan.spec.input,
        target=plan.target,
        share=BudgetRecord.of(plan.share),
        spent=BudgetRecord.of(outcome.spent),
        charges=charges,
        rows=len(table) if table is not None else None,
        columns=list(table.columns) if table is not None else None,
        released=outcome.released,
        seconds=round(outcome.seconds, 3),
        result=outcome.result,
        extras=outcome.extras,
        warnings=[w for w in warnings if w.step == plan.spec.id],
    )


def failed_step_record(plan: PlannedStep, error: str, *, charges: int) -> StepRecord:
    """The record of the step a run stopped at."""
    spec = plan.spec
    share = BudgetRecord.of(plan.share)
    return StepRecord(
        id=spec.id,
        use=spec.use,
        kind=plan.kind,
        input=spec.input,
        target=plan.target,
        status="failed",
        error=error,
        share=share,
        charges=charges,
    )


def run_record(
    *,
    run_id: str,
    resolved: ResolvedPipeline,
    sha: str,
    status: Literal["succeeded", "failed"],
    error: str | None,
    seconds: float,
    ledger: Ledger,
    noise: str | None,
    steps: list[StepRecord],
    warnings: list[RunWarning],
) -> RunRecord:
    """The record of a whole run; releases only when it succeeded (a failed run releases nothing)."""
    pipeline = resolved.pipeline
    done = [s for s in steps if s.status == "succeeded"]
    releases = [
        ReleaseRecord(
            step=s.id,
            use=s.use,
            kind=s.kind,
            rows=s.rows or 0,
            columns=s.columns or [],
            dp_step=s.share is not None,
            spent=s.spent,
        )
        for s in done
        if s.released and status == "succeeded"
    ]
    evaluations = [
        EvaluationRecord(step=s.id, use=s.use, kind=s.kind, target=str(s.target), result=s.result)
        for s in done
        if s.target not in NOT_A_TABLE
    ]
    setting = [RunWarning(code="pipeline.dp_setting", message=w) for w in resolved.warnings]
    return RunRecord(
        run_id=run_id,
        pipeline=pipeline.name,
        pipeline_sha256=sha,
        seed=pipeline.seed,
        status=status,
        error=error,
        seconds=round(seconds, 3),
        noise=noise,
        budget=BudgetRecord.of(ledger.budget),
        spent=BudgetRecord.of(ledger.spent()) if ledger.budget is not None else None,
        accountant=ledger.accountant_name if ledger.budget is not None else None,
        steps=steps,
        releases=releases,
        evaluations=evaluations,
        warnings=[*setting, *warnings],
    )
