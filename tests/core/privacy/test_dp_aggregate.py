"""dp_aggregate: public cell grid, exact values at huge epsilon, charges per statistic, one-line errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from safedata_core.default_plugins.dp_aggregate import DPAggregate
from safedata_core.errors import ComponentError, PrivacyBudgetError
from safedata_core.testing.contracts import make_budget
from safedata_core.testing.fixtures import tiny_table

STATS = [
    {"stat": "count"},
    {"stat": "sum", "column": "age"},
    {"stat": "mean", "column": "age"},
    {"stat": "quantile", "column": "age", "q": 0.5},
]


def _truth(df: pd.DataFrame) -> pd.DataFrame:
    return (
        df.dropna(subset=["sex", "region"])
        .groupby(["sex", "region"])
        .agg(count=("age", "size"), sum_age=("age", "sum"), mean_age=("age", "mean"), med=("age", "median"))
    )


@pytest.mark.parametrize("mechanism", ["laplace", "geometric", "gaussian"])
def test_near_exact_at_huge_epsilon(mechanism: str) -> None:
    t = tiny_table()
    agg = DPAggregate({"group_by": ["sex", "region"], "statistics": STATS, "mechanism": mechanism})
    budget = make_budget(4e6, 1e-3)
    out = agg.release(t, budget=budget, seed=0).df
    assert len(out) == 2 * 4  # every public cell, even empty ones
    assert list(out.columns) == ["sex", "region", "count", "sum_age", "mean_age", "q50_age"]
    truth = _truth(t.df)
    merged = out.merge(truth, left_on=["sex", "region"], right_index=True, how="left").fillna({"count_y": 0})
    np.testing.assert_allclose(merged["count_x"], merged["count_y"], atol=0.5)
    ok = merged["count_y"] > 0
    np.testing.assert_allclose(merged.loc[ok, "sum_age_x"], merged.loc[ok, "sum_age_y"], atol=1.0)
    np.testing.assert_allclose(merged.loc[ok, "mean_age_x"], merged.loc[ok, "mean_age_y"], atol=0.05)
    # at huge epsilon the DP median lies in a gap of rank floor(n/2) or ceil(n/2) (utility -|rank - n/2|)
    for _, row in merged[ok].iterrows():
        ages = t.df[(t.df.sex == row.sex) & (t.df.region == row.region)].age.dropna().sort_values().to_numpy()
        edges = np.concatenate([[18.0], ages, [90.0]])
        n = len(ages)
        assert edges[n // 2] - 1e-9 <= row.q50_age <= edges[(n + 1) // 2 + 1] + 1e-9
    kinds = [c.event.mechanism for c in budget.charges]
    noise_kind = mechanism
    assert kinds == [noise_kind, noise_kind, noise_kind, noise_kind, "exponential"]
    assert budget.spent().epsilon <= 4e6 * (1 + 1e-9)


def test_noise_scale_and_budget_split() -> None:
    t = tiny_table()
    agg = DPAggregate({"group_by": ["smoker"], "statistics": [{"stat": "count"}, {"stat": "sum", "column": "age"}]})
    budget = make_budget(1.0, 0.0)
    agg.release(t, budget=budget, seed=1)
    count, total = budget.charges
    assert count.event.params == {"sensitivity": 1.0, "scale": 2.0}
    assert total.event.params == {"sensitivity": 90.0, "scale": 180.0}
    assert budget.spent().epsilon == pytest.approx(1.0)
    assert agg.report_extras()["cells"] == 2


def test_counts_are_noisy_with_the_right_spread() -> None:
    t = tiny_table()
    agg = DPAggregate({"statistics": [{"stat": "count"}], "clip_counts": False})
    vals = np.array([agg.release(t, budget=make_budget(1.0, 0.0), seed=s).df["count"][0] for s in range(400)])
    assert abs(vals.mean() - len(t)) < 0.3
    assert vals.std() == pytest.approx(np.sqrt(2.0), rel=0.15)  # Laplace(1) has sd sqrt(2)


def test_public_domain_required() -> None:
    t = tiny_table()
    meta = t.metadata.model_copy(deep=True)
    meta.columns["region"] = meta.columns["region"].model_copy(update={"inferred": True})
    t2 = type(t)(df=t.df, metadata=meta)
    with pytest.raises(ComponentError, match="public category"):
        DPAggregate({"group_by": ["region"]}).release(t2, budget=make_budget(), seed=0)
    meta.columns["age"] = meta.columns["age"].model_copy(update={"bounds": None})
    with pytest.raises(ComponentError, match="no public bounds"):
        DPAggregate({"statistics": [{"stat": "sum", "column": "age"}]}).release(t2, budget=make_budget(), seed=0)
    out = DPAggregate({"statistics": [{"stat": "sum", "column": "age"}], "bounds": {"age": [0, 100]}}).release(
        t2, budget=make_budget(), seed=0
    )
    assert out.df.shape == (1, 1)


def test_gaussian_without_delta_and_bad_stat() -> None:
    with pytest.raises(PrivacyBudgetError, match="delta"):
        DPAggregate({"mechanism": "gaussian"}).release(tiny_table(), budget=make_budget(1.0, 0.0), seed=0)
    with pytest.raises(ValueError, match="needs a column"):
        DPAggregate({"statistics": [{"stat": "sum"}]})
