"""safedata_core.pipeline.context: a run's shared state and one step's outcome as the report shows it."""

from __future__ import annotations

import numpy as np
import pytest

from safedata_core.audit import AuditLog
from safedata_core.pipeline.context import RunContext, StepOutcome
from safedata_core.privacy import Budget, Ledger
from safedata_core.testing.fixtures import tiny_table


@pytest.fixture
def context() -> RunContext:
    return RunContext(
        run_id="r1", name="t", seed=7, ledger=Ledger(Budget(1.0, 1e-6)), audit=AuditLog(), data=tiny_table(10)
    )


def test_warn_keeps_the_text_for_the_report_and_the_code_for_machines(context: RunContext) -> None:
    context.warn("small_input", "only 10 rows", step="synth")
    context.warn("other", "second")
    assert context.warnings == ["only 10 rows", "second"]
    assert [(w.code, w.message, w.step) for w in context.coded_warnings] == [
        ("small_input", "only 10 rows", "synth"),
        ("other", "second", None),
    ]


def test_table_resolves_the_input_and_earlier_steps(context: RunContext) -> None:
    synth = tiny_table(4)
    context.tables["synth"] = synth
    assert context.table("data") is context.data and context.table("synth") is synth
    with pytest.raises(KeyError):
        context.table("later")


def test_profile_facts_are_read_only_when_they_have_the_right_type(context: RunContext) -> None:
    assert context.profile is None and context.rare_mask is None
    context.facts["profile"] = ["not", "a", "dict"]
    context.facts["rare_mask"] = [True, False]
    assert context.profile is None and context.rare_mask is None
    mask = np.array([True, False])
    context.facts |= {"profile": {"k": 5}, "rare_mask": mask}
    assert context.profile == {"k": 5} and context.rare_mask is mask


def test_step_outcome_to_dict() -> None:
    outcome = StepOutcome(
        step="s",
        use="mst",
        kind="synthesizer",
        table=tiny_table(6),
        result={"a": 1},
        spent=Budget(0.5, 1e-7),
        share=Budget(1.0, 1e-6),
        seconds=1.23456,
        released=True,
    )
    d = outcome.to_dict()
    assert d["rows"] == 6 and d["released"] is True and d["seconds"] == 1.235
    assert d["spent"] == Budget(0.5, 1e-7).to_dict() and d["share"] == Budget(1.0, 1e-6).to_dict()
    bare = StepOutcome(step="m", use="tv_complement", kind="metric").to_dict()
    assert bare["rows"] is None and bare["spent"] is None and bare["share"] is None and bare["released"] is False
