"""bayes_net behaviour: dependencies kept, edges reported, DP refusals and full budget accounting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from safedata_bayesnet.synthesizer import BayesNetSynthesizer

from safedata_core import ComponentError, Table
from safedata_core.data import ColumnMeta, Metadata
from safedata_core.testing import make_budget, tiny_table


def _dependent_table(n: int = 3000) -> Table:
    rng = np.random.default_rng(0)
    a = rng.choice(["p", "q", "r"], n)
    b = np.where(rng.random(n) < 0.9, a, rng.choice(["p", "q", "r"], n))
    x = np.where(a == "p", rng.normal(20, 2, n), rng.normal(60, 2, n)).round()
    meta = Metadata(
        columns={
            "a": ColumnMeta(type="categorical", categories=["p", "q", "r"]),
            "b": ColumnMeta(type="categorical", categories=["p", "q", "r"]),
            "x": ColumnMeta(type="integer", bounds=(0, 100)),
        }
    )
    return Table.from_dataframe(pd.DataFrame({"a": a, "b": b, "x": x}), meta)


@pytest.mark.slow  # pgmpy structure search: about 6 s each on a shared core
@pytest.mark.parametrize("structure", ["hill_climb", "tree"])
def test_non_private_keeps_dependencies_and_reports_edges(structure: str) -> None:
    table = _dependent_table()
    model = BayesNetSynthesizer({"dp": False, "structure": structure})
    model.fit(table, budget=None, seed=0)
    out = model.sample(5000, seed=1).df
    assert (out["a"] == out["b"]).mean() == pytest.approx((table.df["a"] == table.df["b"]).mean(), abs=0.03)
    assert out.loc[out["a"] == "p", "x"].mean() == pytest.approx(20, abs=1.0)
    edges = {frozenset(e) for e in model.report_extras()["network_edges"]}
    assert frozenset({"a", "b"}) in edges


def test_privbayes_keeps_strong_dependency_at_moderate_epsilon() -> None:
    table = _dependent_table(20000)
    model = BayesNetSynthesizer({"bins": 8})
    model.fit(table, budget=make_budget(2.0, 1e-6), seed=0)
    out = model.sample(5000, seed=1).df
    assert (out["a"] == out["b"]).mean() > 0.75  # independence would give about 1/3
    assert out["x"].dropna().between(0, 100).all() and out["x"].isna().mean() < 0.01


def test_dp_charges_add_up_to_the_share() -> None:
    table = tiny_table(400)
    budget = make_budget(1.0, 0.0)  # no delta: basic composition, so the charged epsilons add up to the share
    model = BayesNetSynthesizer({"bins": 8})
    model.fit(table, budget=budget, seed=0)
    charges = budget.charges
    assert sum(c.event.epsilon for c in charges) == pytest.approx(1.0)
    kinds = [c.event.mechanism for c in charges]
    assert kinds.count("exponential") == len(table.columns) - 1
    split = model.report_extras()["epsilon_split"]
    assert split["binning"] == pytest.approx(0.1) and split["row_count"] == pytest.approx(0.02)
    assert split["conditionals"] == pytest.approx(0.88 * 0.7)


def test_dp_refuses_numeric_column_without_public_bounds() -> None:
    df = pd.DataFrame({"x": np.arange(50.0), "c": ["a", "b"] * 25})
    meta = Metadata(
        columns={"x": ColumnMeta(type="numerical"), "c": ColumnMeta(type="categorical", categories=["a", "b"])}
    )
    with pytest.raises(ComponentError, match="cannot use column 'x': it is numeric but has no declared bounds"):
        BayesNetSynthesizer().fit(Table.from_dataframe(df, meta), budget=make_budget(), seed=0)


def test_non_private_fit_without_budget_and_sample_dtypes() -> None:
    table = tiny_table(300)
    model = BayesNetSynthesizer({"dp": False})
    model.fit(table, budget=None, seed=0)
    out = model.sample(100, seed=0).df
    assert out["age"].dtype == np.float64 and (out["age"] == out["age"].round()).all()
    assert str(out["smoker"].dtype) == "boolean"
