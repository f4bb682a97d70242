"""DP review of gaussian_copula: no side paths between neighbours, moment sensitivity, exact charges."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from safedata_copula.correlation import dp_correlation
from safedata_copula.synthesizer import GaussianCopulaSynthesizer

import safedata_core.privacy as privacy
from safedata_core import ComponentError, Table
from safedata_core.data import ColumnMeta, Metadata
from safedata_core.privacy import analytic_gaussian_sigma
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
    rng = np.random.default_rng(3)
    age = rng.integers(18, 80, n).astype(float)
    df = pd.DataFrame({"age": age, "income": np.clip(age * 10 + rng.normal(0, 50, n), 0, 1000),
                       "city": rng.choice(["A", "B", "C"], n), "job": rng.choice(["x", "y"], n),
                       "smoker": rng.random(n) < 0.3})
    extra = pd.DataFrame({"age": [np.nan], "income": [1e12], "city": [UNIQUE], "job": [UNIQUE], "smoker": [None]})
    return (Table.from_dataframe(df, _declared()),
            Table.from_dataframe(pd.concat([df, extra], ignore_index=True), _declared()))


def test_neighbouring_tables_differ_only_in_noisy_quantities() -> None:
    t0, t1 = _neighbours()
    # the core no longer infers nullable for declared columns; the plugin must not rely on it either way
    states, charges, samples = [], [], []
    for t in (t0, t1):
        budget = make_budget(1.0, 1e-6)
        model = GaussianCopulaSynthesizer({"cells": 16})
        model.fit(t, budget=budget, seed=0)
        states.append(model.state_dict())
        charges.append([(c.event.mechanism, round(c.event.epsilon, 12), c.event.delta, c.note)
                        for c in budget.charges])
        samples.append(model.sample(3000, seed=1))
    s0, s1 = states
    assert s0["metadata"] == s1["metadata"]
    assert all(c["nullable"] for c in s0["metadata"]["columns"].values())
    for m0, m1 in zip(s0["marginals"], s1["marginals"], strict=True):
        public = ("name", "kind", "family", "integer", "clip")
        assert {k: m0[k] for k in public} == {k: m1[k] for k in public}
        if m0["kind"] == "numeric":
            assert m0["xs"] == m1["xs"]  # knot positions come from the public cells only
        else:
            assert set(map(str, m0["labels"])) == set(map(str, m1["labels"]))  # order is by noisy mass
    assert charges[0] == charges[1] and [c[0] for c in charges[0]].count("gaussian") == 1
    for state, sample in zip(states, samples, strict=True):
        assert UNIQUE not in json.dumps(state)
        assert UNIQUE not in set(sample.df["city"].dropna()) | set(sample.df["job"].dropna())
        assert sample.df["income"].dropna().between(0, 1000).all()


def test_second_moments_move_by_at_most_l2_one_between_neighbours(monkeypatch: pytest.MonkeyPatch) -> None:
    captured: list[np.ndarray] = []

    def fake(counts: np.ndarray, *, sigma: float, budget: Any, rng: Any, note: str = "", delta: Any = None) -> Any:
        captured.append(np.asarray(counts, dtype=float))
        return np.asarray(counts, dtype=float)

    monkeypatch.setattr(privacy, "gaussian_noisy_counts", fake)
    d, clip = 4, 1.5 * np.sqrt(4)
    rng = np.random.default_rng(0)
    z = rng.standard_normal((200, 4))
    for extra in (np.array([[100.0, 0, 0, 0]]), np.array([[-50.0, 50, 50, -50]]), np.full((1, d), 4.75)):
        captured.clear()
        for rows in (z, np.vstack([z, extra])):
            dp_correlation(rows, clip_norm=clip, budget=None, epsilon=1.0, delta=1e-6, rng=rng)
        assert np.linalg.norm(captured[1] - captured[0]) <= 1.0 + 1e-12
    # an axis-aligned outlier clipped to the clip norm attains the bound: sensitivity 1 is tight
    captured.clear()
    for rows in (z, np.vstack([z, [[100.0, 0, 0, 0]]])):
        dp_correlation(rows, clip_norm=clip, budget=None, epsilon=1.0, delta=1e-6, rng=rng)
    assert np.linalg.norm(captured[1] - captured[0]) == pytest.approx(1.0)


def test_dp_charges_are_exact_and_compose_within_the_share() -> None:
    t0, _ = _neighbours()
    eps, delta, d = 1.0, 1e-6, 5
    budget = make_budget(eps, delta)
    GaussianCopulaSynthesizer({"cells": 16}).fit(t0, budget=budget, seed=0)
    events = [c.event for c in budget.charges]
    eps_marg = 0.5 * eps
    marg = events[:-1]
    assert len(marg) == d + 1  # one histogram per column, plus the DP domain selection of 'job'
    assert sum(e.epsilon for e in marg) == pytest.approx(eps_marg)
    assert all(e.params["sensitivity"] == 1.0 and e.params["scale"] == pytest.approx(1 / e.epsilon)
               for e in marg if e.mechanism == "laplace")
    (select,) = [e for e in marg if e.mechanism == "approx"]
    assert select.epsilon == pytest.approx(eps_marg / d / 2) and select.delta == pytest.approx(delta / 2)
    gauss = events[-1]
    assert gauss.mechanism == "gaussian"
    assert gauss.params["noise_multiplier"] == pytest.approx(analytic_gaussian_sigma(eps - eps_marg, delta / 2))
    spent = budget.spent()
    assert spent.epsilon <= eps * (1 + 1e-9) and spent.delta <= delta * (1 + 1e-9)


def test_dp_refuses_undeclared_columns() -> None:
    df = pd.DataFrame({"x": np.arange(60.0), "flag": [True, False] * 30})
    meta = Metadata(columns={"x": ColumnMeta(type="numerical", bounds=(0, 100))})  # 'flag' is inferred
    with pytest.raises(ComponentError, match="'flag' is not declared"):
        GaussianCopulaSynthesizer().fit(Table.from_dataframe(df, meta), budget=make_budget(), seed=0)
    GaussianCopulaSynthesizer({"dp": False}).fit(Table.from_dataframe(df, meta), budget=None, seed=0)


def test_dp_ignores_nullable_which_may_be_inferred() -> None:
    from safedata_copula.fitting import dp_marginal

    x = pd.Series(np.where(np.arange(1000) % 10 < 3, np.nan, 50.0))
    meta = ColumnMeta(type="integer", bounds=(0, 100), nullable=False)
    m = dp_marginal("x", x, meta, budget=make_budget(50.0, 0.0), epsilon=50.0, delta=0.0, n_cells=16,
                    rng=np.random.default_rng(0))
    assert m.p_missing == pytest.approx(0.3, abs=0.01)
