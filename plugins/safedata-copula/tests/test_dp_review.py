"""DP review of gaussian_copula: no side paths between neighbours, moment sensitivity, exact charges."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from safedata_copula.correlation import second_moments
from safedata_copula.fitting import dp_marginal
from safedata_copula.synthesizer import GaussianCopulaSynthesizer

from safedata_core import ComponentError, Table
from safedata_core.data import ColumnMeta, Metadata
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


def test_neighbouring_tables_differ_only_in_noisy_quantities() -> None:
    t0, t1 = _neighbours()
    states, charges, samples = [], [], []
    for t in (t0, t1):
        budget = make_budget(1.0, 1e-6)
        model = GaussianCopulaSynthesizer({"cells": 16})
        model.fit(t, budget=budget, seed=0)
        states.append(model.state_dict())
        charges.append([(c.event.mechanism, round(c.event.epsilon, 12), c.event.delta, c.note) for c in budget.charges])
        samples.append(model.sample(3000, seed=1))
    s0, s1 = states
    for m0, m1 in zip(s0["marginals"], s1["marginals"], strict=True):
        public = ("name", "kind", "family", "integer", "clip")
        assert {k: m0[k] for k in public} == {k: m1[k] for k in public}
        if m0["kind"] == "numeric":
            assert m0["xs"] == m1["xs"]  # knot positions come from the public cells only
        else:  # order is by noisy mass; the missing label (None) is there only if its noisy count says so
            assert set(map(str, m0["labels"])) - {"None"} <= {"A", "B", "C", "x", "y", "False", "True"}
            assert UNIQUE not in set(map(str, m1["labels"]))
    assert charges[0] == charges[1] and [c[0] for c in charges[0]].count("discrete_gaussian") == 1
    assert s0["facts"] == s1["facts"]  # the split and the noise multiplier are planned from public facts
    for state, sample in zip(states, samples, strict=True):
        assert UNIQUE not in json.dumps(state)
        assert UNIQUE not in set(sample.df["city"].dropna()) | set(sample.df["job"].dropna())
        assert sample.df["income"].dropna().between(0, 1000).all()


def test_second_moments_move_by_at_most_l2_one_between_neighbours() -> None:
    d, clip = 4, 1.5 * np.sqrt(4)
    z = np.random.default_rng(0).standard_normal((200, 4))
    for extra in (np.array([[100.0, 0, 0, 0]]), np.array([[-50.0, 50, 50, -50]]), np.full((1, d), 4.75)):
        moved = second_moments(np.vstack([z, extra]), clip) - second_moments(z, clip)
        assert np.linalg.norm(moved) <= 1.0 + 1e-12
    # an axis-aligned outlier clipped to the clip norm attains the bound: sensitivity 1 is tight
    moved = second_moments(np.vstack([z, [[100.0, 0, 0, 0]]]), clip) - second_moments(z, clip)
    assert np.linalg.norm(moved) == pytest.approx(1.0)


def test_dp_charges_follow_the_documented_split() -> None:
    t0, _ = _neighbours()
    eps, delta, d = 1.0, 1e-6, 5
    budget = make_budget(eps, delta)
    model = GaussianCopulaSynthesizer({"cells": 16})
    model.fit(t0, budget=budget, seed=0)
    events = [c.event for c in budget.charges]
    eps_marg = 0.5 * eps
    marg = events[:-1]
    assert len(marg) == d + 1  # one histogram per column, plus the DP domain selection of 'job'
    assert sum(e.epsilon for e in marg) == pytest.approx(eps_marg)
    assert all(
        e.params["sensitivity"] == 1 and e.params["scale"] == pytest.approx(1 / e.epsilon)
        for e in marg
        if e.mechanism == "geometric"
    )
    (select,) = [e for e in marg if e.mechanism == "approx"]
    assert select.epsilon == pytest.approx(eps_marg / d / 2) and select.delta == pytest.approx(delta / 2)
    gauss = events[-1]
    assert gauss.mechanism == "discrete_gaussian" and gauss.delta == pytest.approx(delta / 2)
    assert gauss.params["sensitivity"] == 1.0
    assert gauss.params["noise_multiplier"] == pytest.approx(model.report_extras()["correlation_noise_multiplier"])
    spent = budget.spent()
    assert spent.epsilon == pytest.approx(eps, rel=1e-6) and spent.epsilon <= eps


def test_dp_refuses_undeclared_columns() -> None:
    df = pd.DataFrame({"x": np.arange(60.0), "flag": ["yes", "no"] * 30})
    meta = Metadata(columns={"x": ColumnMeta(type="numerical", bounds=(0, 100))})  # 'flag' is inferred
    with pytest.raises(ComponentError, match=r"cannot use column 'flag'.*declare it in the metadata") as info:
        GaussianCopulaSynthesizer().fit(Table.from_dataframe(df, meta), budget=make_budget(), seed=0)
    assert "\n" not in str(info.value)
    GaussianCopulaSynthesizer({"dp": False}).fit(Table.from_dataframe(df, meta), budget=None, seed=0)


def test_dp_marginal_missing_cell_follows_the_declaration_and_the_noisy_count() -> None:
    x = pd.Series(np.where(np.arange(1000) % 10 < 3, np.nan, 50.0))
    kept, _, _ = dp_marginal(
        "x",
        x,
        ColumnMeta(type="integer", bounds=(0, 100)),
        budget=make_budget(50.0, 0.0),
        epsilon=50.0,
        delta=0.0,
        n_cells=16,
    )
    assert kept.p_missing == pytest.approx(0.3, abs=0.01) and kept.has_missing
    none, _, _ = dp_marginal(
        "x",
        x,
        ColumnMeta(type="integer", bounds=(0, 100), nullable=False),
        budget=make_budget(50.0, 0.0),
        epsilon=50.0,
        delta=0.0,
        n_cells=16,
    )
    assert none.p_missing == 0.0 and not none.has_missing
    full = pd.Series(np.full(1000, 50.0))
    clean, _, _ = dp_marginal(
        "x",
        full,
        ColumnMeta(type="integer", bounds=(0, 100)),
        budget=make_budget(1.0, 0.0),
        epsilon=1.0,
        delta=0.0,
        n_cells=16,
    )
    assert clean.p_missing == 0.0  # nullable, but no missing value: the noise alone does not create a missing cell
    c = pd.Series(["a"] * 700 + ["b"] * 300, dtype=object)
    cat, _, _ = dp_marginal(
        "c",
        c,
        ColumnMeta(type="categorical", categories=["a", "b"]),
        budget=make_budget(1.0, 0.0),
        epsilon=1.0,
        delta=0.0,
        n_cells=16,
    )
    assert None not in cat.labels


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
    df.loc[df.index[:300], "c"] = None  # violates the declaration: counted nowhere, never synthesised
    df.loc[df.index[300:600], "x"] = np.nan
    meta = Metadata(
        columns={
            "c": ColumnMeta(type="categorical", categories=["a", "b"], nullable=False),
            "x": ColumnMeta(type="integer", bounds=(0, 9), nullable=False),
            "b": ColumnMeta(type="boolean", nullable=False),
        }
    )
    model = GaussianCopulaSynthesizer({"cells": 10})
    model.fit(Table.from_dataframe(df, meta), budget=make_budget(0.5, 1e-6), seed=0)
    out = model.sample(5000, seed=0)
    assert not out.df.isna().any().any()
    assert set(out.df["c"]) <= {"a", "b"}
    assert not any(m.nullable for m in out.metadata.columns.values())
