"""StepInputs: what a step may read, with one-line refusals when something it needs is missing."""

from __future__ import annotations

import pytest

from safedata_core import ComponentError
from safedata_core.components import StepInputs, StepOutput
from safedata_core.testing.fixtures import tiny_table


def test_require_data_and_row_count_refuse_with_the_step_named() -> None:
    table = tiny_table(5)
    inputs = StepInputs(step="s", use="u", source=table, seed=0)
    assert inputs.where == "step 's' (u)"
    with pytest.raises(ComponentError, match=r"^step 's' \(u\): .*reads_data = False"):
        inputs.require_data()
    with pytest.raises(ComponentError, match="no row-count policy"):
        inputs.row_count()
    assert StepInputs(step="s", use="u", source=table, seed=0, data=table).require_data() is table


def test_step_output_defaults_are_fresh() -> None:
    a, b = StepOutput(), StepOutput()
    a.result["x"] = 1
    assert b.result == {} and b.table is None and b.facts == {}
