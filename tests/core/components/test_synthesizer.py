"""Synthesizer: fit refuses a DP fit without a budget once, then calls _fit; subclasses overriding fit still work."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

from safedata_core import PluginRegistrationError, PrivacyBudgetError, Synthesizer, Table
from safedata_core.components import DPParams, StepInputs
from safedata_core.registry import Registry
from safedata_core.testing.fixtures import tiny_table
from tests.fake_plugins.good_synth import ResampleSynthesizer


class Params(DPParams):
    """A DP switch and one setting."""

    noise: float = 1.0


class Copy(Synthesizer[Params]):
    """Copies rows (new form: implements _fit).

    **Privacy guarantee**: none (a test double).

    **Assumptions**: none.
    """

    name = "copy_rows"
    privacy = "dp"
    Params = Params

    def _fit(self, table: Table, *, budget: Any, seed: int) -> None:
        self.fitted = (table, budget, seed)

    def sample(self, n: int, *, seed: int) -> Table:
        table = self.fitted[0]
        return table.with_df(table.df.iloc[np.arange(n) % len(table)].reset_index(drop=True))


def test_fit_refuses_a_dp_fit_without_budget_and_calls_fit_otherwise() -> None:
    table = tiny_table(20)
    with pytest.raises(PrivacyBudgetError, match=r"^copy_rows: DP fit needs a privacy budget share .*params.dp: false"):
        Copy().fit(table, budget=None, seed=1)
    plain = Copy({"dp": False})
    plain.fit(table, budget=None, seed=1)
    assert plain.fitted == (table, None, 1) and not plain.dp_active
    assert isinstance(plain.params, Params) and plain.params.noise == 1.0


def test_a_non_dp_synthesizer_fits_without_budget() -> None:
    class Plain(Copy):
        """Copies rows.

        **Privacy guarantee**: none.
        """

        privacy = "none"

    model = Plain()
    model.fit(tiny_table(10), budget=None, seed=0)
    assert model.fitted[1] is None


def test_subclasses_that_override_fit_keep_working() -> None:
    assert not inspect.isabstract(ResampleSynthesizer)
    model = ResampleSynthesizer()
    model.fit(tiny_table(30), budget=None, seed=0)
    assert len(model.sample(7, seed=0)) == 7
    with pytest.raises(TypeError, match="overrides fit"):
        model._fit(tiny_table(3), budget=None, seed=0)

    class Base(Synthesizer):  # an intermediate base overriding fit (as DeepSynthesizer does)
        def fit(self, table: Table, *, budget: Any, seed: int) -> None:
            self.n = len(table)

    class Leaf(Base):
        def sample(self, n: int, *, seed: int) -> Table:
            raise AssertionError

    assert not inspect.isabstract(Leaf)


def test_a_synthesizer_with_neither_fit_nor_fit_is_abstract_and_refused() -> None:
    class Empty(Synthesizer):
        """Learns nothing.

        **Privacy guarantee**: none.
        """

        name = "empty"
        privacy = "none"

        def sample(self, n: int, *, seed: int) -> Table:
            raise AssertionError

    assert inspect.isabstract(Empty)
    with pytest.raises(PluginRegistrationError, match=r"abstract \(missing _fit\)"):
        Registry().add("synthesizer", Empty, plugin="p")


def test_run_step_fits_then_samples_the_rows_the_policy_gives() -> None:
    table = tiny_table(25)
    model = Copy({"dp": False})
    out = model.run_step(StepInputs(step="s", use="copy_rows", source=table, seed=4, row_count=lambda: 9))
    assert len(out.table or []) == 9 and model.fitted == (table, None, 4) and out.result == {}
