"""DP review of bayes_net: no side paths between neighbouring tables, tight R-score bound, exact charges."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from safedata_bayesnet.privbayes import R_SCORE_SENSITIVITY, exponential_choice, r_score
from safedata_bayesnet.synthesizer import BayesNetSynthesizer

from safedata_core import ComponentError, Table
from safedata_core.data import ColumnMeta, Metadata
from safedata_core.testing import make_budget

UNIQUE = "ZZ_only_in_one_record"


def _declared() -> Metadata:
    # nullable is NOT declared (it would be private if inferred from the data)
    return Metadata.from_dict({"columns": {
        "age": {"type": "integer", "bounds": [0, 100]},
        "income": {"type": "numerical", "bounds": [0, 1000]},
        "city": {"type": "categorical", "categories": ["A", "B", "C"]},
        "job": {"type": "categorical"},  # declared, domain not public: DP category selection
        "smoker": {"type": "boolean"},
    }})


def _neighbours(n: int = 1500) -> tuple[Table, Table]:
    """Two add/remove neighbours: the second has one more record, extreme, missing and out of domain."""
    rng = np.random.default_rng(3)
    age = rng.integers(18, 80, n).astype(float)
    df = pd.DataFrame({"age": age, "income": np.clip(age * 10 + rng.normal(0, 50, n), 0, 1000),
                       "city": rng.choice(["A", "B", "C"], n), "job": rng.choice(["x", "y"], n),
                       "smoker": rng.random(n) < 0.3})
    extra = pd.DataFrame({"age": [np.nan], "income": [1e12], "city": [UNIQUE], "job": [UNIQUE], "smoker": [None]})
    return (Table.from_dataframe(df, _declared()),
            Table.from_dataframe(pd.concat([df, extra], ignore_index=True), _declared()))


def _charges(budget: object) -> list[tuple[object, ...]]:
    return [(c.event.mechanism, round(c.event.epsilon, 12), c.event.delta, c.event.count,
             json.dumps(dict(c.event.params), sort_keys=True), c.note) for c in budget.charges]  # type: ignore[attr-defined]


def test_neighbouring_tables_differ_only_in_noisy_quantities() -> None:
    t0, t1 = _neighbours()
    # the side path this guards: inferred nullability differs between the neighbours
    # the core no longer infers nullable for declared columns; the plugin must not rely on it either way
    states, budgets, samples = [], [], []
    for t in (t0, t1):
        budget = make_budget(1.0, 1e-6, noise_seed=0)  # same (test-only) noise on both neighbours
        model = BayesNetSynthesizer({"bins": 8, "fine_cells": 32})
        model.fit(t, budget=budget, seed=0)
        states.append(model.state_dict())
        budgets.append(budget)
        samples.append(model.sample(3000, seed=1))
    s0, s1 = states
    assert s0["metadata"] == s1["metadata"]
    assert all(c["nullable"] for c in s0["metadata"]["columns"].values() if c["type"] in ("categorical", "boolean"))
    for c0, c1 in zip(s0["codecs"], s1["codecs"], strict=True):
        public = ("name", "kind", "labels", "integer", "cell_lo", "cell_hi") + (("missing",) if c0["kind"] != "numeric"
                                                                               else ())
        assert {k: c0[k] for k in public} == {k: c1[k] for k in public}
    assert s0["facts"]["epsilon_split"] == s1["facts"]["epsilon_split"]
    assert _charges(budgets[0])[:7] == _charges(budgets[1])[:7]  # count, histograms, selection, then picks
    assert [c.event.epsilon for c in budgets[0].charges] == pytest.approx(
        [c.event.epsilon for c in budgets[1].charges])
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
        model.fit(Table.from_dataframe(t.df.drop(columns="job"), meta), budget=make_budget(1.0, 0.0, noise_seed=0),
                  seed=0)
        models.append(model)
    f0, f1 = (m.report_extras() for m in models)
    eps2, d = f0["epsilon_split"]["conditionals"], 4
    # the noisy row count moved by exactly the added record: limit = n_hat * eps2 / (d * theta)
    assert f1["theta_domain_limit"] - f0["theta_domain_limit"] == pytest.approx(eps2 / (d * 4.0))
    for c0, c1 in zip(models[0]._codecs, models[1]._codecs, strict=True):
        if c0.kind == "numeric":  # one Laplace histogram each: L1 sensitivity 1 (0-clipping is 1-Lipschitz)
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


def test_exponential_choice_has_the_exponential_mechanism_distribution() -> None:
    scores, eps, sens = np.array([0.0, 4.0, 8.0]), 1.0, R_SCORE_SENSITIVITY
    rng = np.random.default_rng(0)
    picks = np.bincount([exponential_choice(scores, eps, sens, rng) for _ in range(20000)], minlength=3) / 20000
    w = np.exp(eps * scores / (2 * sens))
    assert picks == pytest.approx(w / w.sum(), abs=0.015)


def test_dp_charges_are_exact_and_compose_within_the_share() -> None:
    t0, _ = _neighbours()
    budget = make_budget(1.0, 1e-6)
    BayesNetSynthesizer({"bins": 8, "fine_cells": 32}).fit(t0, budget=budget, seed=0)
    events = [c.event for c in budget.charges]
    d, eps = 5, 1.0
    eps_count, eps_bins = 0.02 * eps, 0.1 * eps
    rest = eps - eps_count - eps_bins
    eps1, eps2 = 0.3 * rest, 0.7 * rest
    lap = [e for e in events if e.mechanism == "laplace"]
    assert all(e.params["sensitivity"] == 1.0 and e.params["scale"] == pytest.approx(1 / e.epsilon) for e in lap)
    binning = events[:3]  # fine histograms of age and income, domain of job: eps_bins split over 3 columns
    assert [e.mechanism for e in binning] == ["laplace", "laplace", "approx"]
    assert [e.epsilon for e in binning] == pytest.approx([eps_bins / 3] * 3)
    assert events[3].mechanism == "laplace" and events[3].epsilon == pytest.approx(eps_count)  # row count
    (select,) = [e for e in events if e.mechanism == "approx"]
    assert select.delta == pytest.approx(1e-6)
    picks = [e for e in events if e.mechanism == "exponential"]
    assert len(picks) == d - 1 and all(e.count == 1 and e.params["sensitivity"] == R_SCORE_SENSITIVITY for e in picks)
    assert sum(e.epsilon for e in picks) == pytest.approx(eps1)
    marginals = lap[3:]
    assert len(marginals) == d and sum(e.epsilon for e in marginals) == pytest.approx(eps2)
    assert sum(e.epsilon for e in events) == pytest.approx(eps)
    assert sum(e.delta for e in events) <= 1e-6 * (1 + 1e-12)
    spent = budget.spent()
    assert spent.epsilon <= eps * (1 + 1e-9) and spent.delta <= 1e-6 * (1 + 1e-9)


def test_dp_refuses_undeclared_columns() -> None:
    df = pd.DataFrame({"x": np.arange(60.0), "flag": [True, False] * 30})
    meta = Metadata(columns={"x": ColumnMeta(type="numerical", bounds=(0, 100))})  # 'flag' is inferred
    with pytest.raises(ComponentError, match="'flag' is not declared"):
        BayesNetSynthesizer().fit(Table.from_dataframe(df, meta), budget=make_budget(), seed=0)
    BayesNetSynthesizer({"dp": False}).fit(Table.from_dataframe(df, meta), budget=None, seed=0)  # fine without DP


def test_dp_ignores_nullable_which_may_be_inferred() -> None:
    df = pd.DataFrame({"c": np.where(np.arange(1000) % 10 < 3, None, "a"), "b": [True, False] * 500})
    meta = Metadata(columns={"c": ColumnMeta(type="categorical", categories=["a", "b"], nullable=False),
                             "b": ColumnMeta(type="boolean", nullable=False)})
    model = BayesNetSynthesizer()
    model.fit(Table.from_dataframe(df, meta), budget=make_budget(50.0, 0.0), seed=0)
    assert [c.missing for c in model._codecs] == [True, True]
    assert model.sample(4000, seed=0).df["c"].isna().mean() == pytest.approx(0.3, abs=0.03)
