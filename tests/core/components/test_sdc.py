"""SDCMethod.run_step: protects the step input, only the targeted rows."""

from __future__ import annotations

from typing import Any

import numpy as np

from safedata_core import SDCResult
from safedata_core.components import StepInputs
from safedata_core.testing.fixtures import tiny_table
from tests.fake_plugins.mechanisms import BlankSDC


def test_sdc_applies_to_the_targeted_rows() -> None:
    class Mark(BlankSDC):
        def apply(self, table: Any, *, seed: int, rows: Any = None) -> SDCResult:
            return SDCResult(table, {"records_modified": int(np.sum(rows))})

    table, mask = tiny_table(6), np.array([True, False, True, False, False, False])
    out = Mark().run_step(StepInputs(step="s", use="m", source=table, seed=0, rows_mask=mask))
    assert out.table is table and out.result == {"records_modified": 2}
