"""DP review of bayes_net: no side paths between neighbouring tables, tight R-score bound, exact charges."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from safedata_bayesnet.privbayes import R_SCORE_SENSITIVITY, r_score
from safedata_bayesnet.synthesizer import BayesNetSynthesizer

from safedata_core import ComponentError, Table
from safedata_core.data import ColumnMeta, Metadata
from safedata_core.privacy import NoiseSource
from safedata_core.testing import make_budget

UNIQUE = "ZZ_only_in_one_record"


def _declared() -> Metadata:
    # nullable is NOT declared (it would be private if inferred from the data)
    return Metadata.from_dict(
        {
            "columns": {
                "age": {"type": "integer", "bounds": [0, 100]},
                "income": {"type": "numerical", "bounds": [0, 1000]},
                "city": {"type": "categorical", "categories": ["A", "B", "C"]},
                "job": {"type": "categorical"},  # declared, domain not public: DP category selection
                "smoker": {"type": "boolean"},
            }
        }
    )


def _neighbours(n: int = 1500) -> tuple[Table, Table]:
    """Two add/remove neighbours: the second has one more record, extreme, missing and out of domain."""
    rng = np.random.default_rng(3)
    age = rng.integers(18, 80, n).astype(float)
    df = pd.DataFrame(
        {
            "age": age,
            "income": np.clip(age * 10 + rng.normal(0, 50, n), 0, 1000),
            "city": rng.choice(["A", "B", "C"], n),
            "job": rng.choice(["x", "y"], n),
            "smoker": rng.random(n) < 0.3,
        }
    )
    extra = pd.DataFrame({"age": [np.nan], "income": [1e12], "city": [UNIQUE], "job": [UNIQUE], "smoker": [None]})
    return (
        Table.from_dataframe(df, _declared()),
        Table.from_dataframe(pd.concat([df, extra], ignore_index=True), _declared()),
    )


def _charges(budget: object) -> list[tuple[object, ...]]:
    return [
        (
            c.event.mechanism,
            round(c.event.epsilon, 12),
            c.event.delta,
            c.event.count,
            json.dumps(dict(c.event.params), sort_keys=True),
            c.note,
        )
        for c in budget.charges
    ]  # type: ignore[attr-defined]


def test_neighbouring_tables_differ_only_in_noisy_quantities() -> None:
    t0, t1 = _neighbours()
    states, budgets, samples = [], [], []
    for t in (t0, t1):
        budget = make_budget(1.0, 1e-6, noise_seed=0)  # same (test-only) noise on both neighbours
        model = BayesNetSynthesizer({"bins": 8, "fine_cells": 32})
        model.fit(t, budget=budget, seed=0)
        states.append(model.state_dict())
        budgets.append(budget)
        samples.append(model.sample(3000, seed=1))
    s0, s1 = states
    for c0, c1 in zip(s0["codecs"], s1["codecs"], strict=True):
        public = ("name", "kind", "integer", "cell_lo", "cell_hi") + (("labels",) if c0["name"] != "job" else ())
        assert {k: c0[k] for k in public} == {k: c1[k] for k in public}
        if c0["name"] == "job":  # DP-selected domain (may be empty at this epsilon): the unique value is not in it
            assert set(c0["labels"]) | set(c1["labels"]) <= {"x", "y"}
    assert s0["facts"]["epsilon_split"] == s1["facts"]["epsilon_split"]
    # every charge is planned from public facts only (notes name the DP-chosen attributes, so they may differ)
    assert [c[:-1] for c in _charges(budgets[0])] == [c[:-1] for c in _charges(budgets[1])]
    for state, sample in zip(states, samples, strict=True):
        assert UNIQUE not in json.dumps(state)
        assert UNIQUE not in set(sample.df["city"].dropna()) | set(sample.df["job"].dropna())
        assert sample.df["income"].dropna().between(0, 1000).all()
        assert sample.df["age"].dropna().between(0, 100).all()


def test_same_noise_neighbours_move_each_release_by_at_most_its_sensitivity() -> None:
    t0, t1 = _neighbours()
    meta = Metadata(columns={c: m for c, m in _declared().columns.items() if c != "job"})  # same noise draws
    models = []
    for t in (t0, t1):
        model = BayesNetSynthesizer({"bins": 8, "fine_cells": 32})
        budget = make_budget(1.0, 0.0)
        budget.noise = NoiseSource.reproducible(5)  # TEST ONLY: the same noise for both neighbours
        model.fit(Table.from_dataframe(t.df.drop(columns="job"), meta), budget=budget, seed=0)
        models.append(model)
    f0, f1 = (m.report_extras() for m in models)
    assert f0["epsilon_split"] == f1["epsilon_split"]
    eps_m = 1.0 / f0["conditional_noise_scale"]
    # the noisy row count moved by exactly the added record: limit = n_hat * eps_m / theta
    assert f1["theta_domain_limit"] - f0["theta_domain_limit"] == pytest.approx(eps_m / 4.0)
    assert models[1].estimated_rows() - models[0].estimated_rows() == 1
    for c0, c1 in zip(models[0]._codecs, models[1]._codecs, strict=True):
        if c0.kind == "numeric":  # one histogram each: L1 sensitivity 1 (0-clipping is 1-Lipschitz)
            assert np.abs(c0.cell_weight - c1.cell_weight).sum() <= 1.0 + 1e-9


def test_r_score_bound_is_tight_under_add_remove() -> None:
    """All n records in one cell, add one in an empty row and column: F goes from 0 to 2n/(n+1) -> 2."""
    for n in (1, 10, 1000):
        codes = np.ones((n, 2), dtype=np.int64)
        before = r_score(codes, 0, [1], [2, 2])
        after = r_score(np.vstack([codes, [[0, 0]]]), 0, [1], [2, 2])
        assert before == pytest.approx(0.0)
        assert after - before == pytest.approx(2 * n / (n + 1))
        assert after - before <= R_SCORE_SENSITIVITY
    # so no smaller constant would do (the paper's replace-one bound does not apply)
    assert 2 * 1000 / 1001 > 1.99


def test_dp_charges_follow_the_documented_split() -> None:
    t0, _ = _neighbours()
    budget = make_budget(1.0, 1e-6)
    BayesNetSynthesizer({"bins": 8, "fine_cells": 32}).fit(t0, budget=budget, seed=0)
    events = [c.event for c in budget.charges]
    d, eps = 5, 1.0
    eps_count, eps_bins = 0.02 * eps, 0.1 * eps
    rest = eps - eps_count - eps_bins
    # binning tasks: age, income (histograms); city, smoker (missing counts); job (selection + missing count)
    binning = events[:6]
    assert [e.mechanism for e in binning] == ["geometric", "geometric", "geometric", "approx", "geometric", "geometric"]
    assert [e.epsilon for e in binning] == pytest.approx([eps_bins / 6] * 6)
    assert binning[3].delta == pytest.approx(0.5e-6)  # half of delta; the rest for the accountant
    assert events[6].mechanism == "geometric" and events[6].epsilon == pytest.approx(eps_count)  # row count
    picks = events[7 : 7 + d - 1]
    assert all(e.mechanism == "exponential" and e.params["sensitivity"] == R_SCORE_SENSITIVITY for e in picks)
    assert [e.params["epsilon_each"] for e in picks] == pytest.approx([0.3 * rest / (d - 1)] * (d - 1))
    marginals = events[7 + d - 1 :]
    assert len(marginals) == d and all(e.mechanism == "geometric" and e.params["sensitivity"] == 1 for e in marginals)
    assert (
        len({e.epsilon for e in marginals}) == 1 and marginals[0].epsilon > 0.7 * rest / d
    )  # raised by the accountant
    assert all(e.params["scale"] == pytest.approx(1 / e.epsilon) for e in events if e.mechanism == "geometric")
    assert budget.spent().epsilon == pytest.approx(eps, rel=1e-6) and budget.spent().epsilon <= eps


def test_dp_refuses_undeclared_columns() -> None:
    df = pd.DataFrame({"x": np.arange(60.0), "flag": ["yes", "no"] * 30})
    meta = Metadata(columns={"x": ColumnMeta(type="numerical", bounds=(0, 100))})  # 'flag' is inferred
    with pytest.raises(ComponentError, match=r"cannot use column 'flag'.*declare it in the metadata") as info:
        BayesNetSynthesizer().fit(Table.from_dataframe(df, meta), budget=make_budget(), seed=0)
    assert "\n" not in str(info.value)


def test_dp_never_puts_missing_values_into_non_nullable_columns() -> None:
    rng = np.random.default_rng(2)
    n = 2000
    df = pd.DataFrame(
        {
            "c": rng.choice(["a", "b"], n).astype(object),
            "x": rng.integers(0, 10, n).astype(float),
            "b": rng.random(n) < 0.5,
        }
    )
    df.loc[df.index[:300], "c"] = None  # violates the declaration: these records are left out, not synthesised
    meta = Metadata(
        columns={
            "c": ColumnMeta(type="categorical", categories=["a", "b"], nullable=False),
            "x": ColumnMeta(type="integer", bounds=(0, 9), nullable=False),
            "b": ColumnMeta(type="boolean", nullable=False),
        }
    )
    model = BayesNetSynthesizer({"bins": 4, "fine_cells": 10})
    model.fit(Table.from_dataframe(df, meta), budget=make_budget(0.5, 1e-6), seed=0)
    out = model.sample(5000, seed=0)
    assert not out.df.isna().any().any()
    assert set(out.df["c"]) <= {"a", "b"}
    assert not any(m.nullable for m in out.metadata.columns.values())


def test_dp_keeps_real_missing_values_of_nullable_columns() -> None:
    df = pd.DataFrame({"c": np.where(np.arange(1000) % 10 < 3, None, "a"), "b": [True, False] * 500})
    meta = Metadata(
        columns={"c": ColumnMeta(type="categorical", categories=["a", "b"]), "b": ColumnMeta(type="boolean")}
    )
    model = BayesNetSynthesizer()
    model.fit(Table.from_dataframe(df, meta), budget=make_budget(50.0, 0.0), seed=0)
    assert [c.missing for c in model._codecs] == [True, False]
    out = model.sample(4000, seed=0).df
    assert out["c"].isna().mean() == pytest.approx(0.3, abs=0.03) and not out["b"].isna().any()
