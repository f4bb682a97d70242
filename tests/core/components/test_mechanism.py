"""Mechanism: releases_table follows whether the class implements release; run_step needs a budget."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pytest

from safedata_core import ComponentError, Engine, Mechanism, Table
from safedata_core.components import StepInputs
from safedata_core.testing.fixtures import tiny_table
from tests.fake_plugins.mechanisms import ConstantShiftMechanism


class Releasing(Mechanism):
    """Releases its input's first rows.

    **Privacy guarantee**: none (a test double).
    """

    name = "releasing"

    def randomise(self, values: np.ndarray, *, budget: Any, rng: Any = None) -> np.ndarray:
        return values

    def release(self, table: Table, *, budget: Any, seed: int) -> Table:
        self.budget = budget
        return table.with_df(table.df.head(3))


def test_releases_table_is_true_only_for_mechanisms_that_implement_release() -> None:
    assert Releasing.releases_table and not ConstantShiftMechanism.releases_table

    class Declared(ConstantShiftMechanism):
        releases_table: ClassVar[bool] = True  # an explicit declaration wins

    assert Declared.releases_table
    registry = Engine(autoload=False).registry
    assert registry.get("dp_aggregate").cls.releases_table
    assert not any(registry.get(n).cls.releases_table for n in ("laplace", "geometric", "gaussian", "exponential"))


def test_run_step_releases_with_the_share_and_refuses_without_one() -> None:
    table, share = tiny_table(10), object()
    out = Releasing().run_step(StepInputs(step="m", use="releasing", source=table, seed=0, budget=share))  # type: ignore[arg-type]
    assert out.table is not None and len(out.table) == 3
    with pytest.raises(ComponentError, match=r"^step 'm' \(releasing\): a DP step needs a privacy budget share"):
        Releasing().run_step(StepInputs(step="m", use="releasing", source=table, seed=0))
