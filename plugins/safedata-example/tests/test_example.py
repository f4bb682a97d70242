"""Behaviour specific to the example synthesizer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from safedata_example.synthesizer import IndependentMarginalsSynthesizer

from safedata_core import ComponentError, Table
from safedata_core.testing import make_budget, tiny_table


def test_non_private_fit_reproduces_category_shares() -> None:
    table = tiny_table(2000, seed=1)
    model = IndependentMarginalsSynthesizer({"dp": False})
    model.fit(table, budget=None, seed=0)
    out = model.sample(20000, seed=1).df
    real = table.df["region"].value_counts(normalize=True)
    synth = out["region"].value_counts(normalize=True)
    assert (real - synth.reindex(real.index)).abs().max() < 0.02


def test_dp_charges_one_laplace_histogram_per_column() -> None:
    table = tiny_table()
    budget = make_budget(1.0, 1e-5)
    IndependentMarginalsSynthesizer().fit(table, budget=budget, seed=0)
    charges = budget.charges
    assert len(charges) == len(table.columns)
    assert {c.event.mechanism for c in charges} == {"laplace"}
    assert sum(c.event.epsilon for c in charges) == pytest.approx(1.0)


def test_dp_refuses_column_without_public_domain() -> None:
    df = pd.DataFrame({"x": np.arange(50.0), "c": ["a", "b"] * 25})
    table = Table.from_dataframe(df)  # inferred metadata is not public
    with pytest.raises(ComponentError, match="no public domain"):
        IndependentMarginalsSynthesizer().fit(table, budget=make_budget(), seed=0)
