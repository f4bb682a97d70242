"""dp_aggregate: public cell grid, exact values at huge epsilon, charges per statistic, one-line errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safedata_core.default_plugins.dp_aggregate import DPAggregate
from safedata_core.errors import ComponentError, PrivacyBudgetError
from safedata_core.privacy import NoiseSource
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
    noise_kind = "discrete_gaussian" if mechanism == "gaussian" else "geometric"
    assert kinds == [noise_kind, noise_kind, noise_kind, noise_kind, "exponential"]
    assert budget.spent().epsilon <= 4e6 * (1 + 1e-9)


def test_noise_scale_and_budget_split() -> None:
    t = tiny_table()
    agg = DPAggregate({"group_by": ["smoker"], "statistics": [{"stat": "count"}, {"stat": "sum", "column": "age"}]})
    budget = make_budget(1.0, 0.0)
    agg.release(t, budget=budget, seed=1)
    count, total = budget.charges
    assert count.event.params == {"sensitivity": 1, "scale": 2.0}
    # the sum: one record moves one cell by at most max(|lo|, |hi|) = 90, noised on a public grid
    g = total.event.params["grid"]
    assert total.event.params["real_sensitivity"] == 90.0
    assert total.event.params["sensitivity"] == math.floor(90.0 / g) + 1
    assert total.event.params["scale"] == pytest.approx(total.event.params["sensitivity"] / 0.5)
    assert budget.spent().epsilon == pytest.approx(1.0)
    assert agg.report_extras()["cells"] == 2


@pytest.mark.slow  # statistical/property test: CI runs it; mutation runs use the exact tests
def test_counts_are_noisy_with_the_right_spread() -> None:
    t = tiny_table()
    agg = DPAggregate({"statistics": [{"stat": "count"}], "clip_counts": False})
    vals = np.array([agg.release(t, budget=make_budget(1.0, 0.0), seed=0).df["count"][0] for _ in range(3000)])
    assert np.all(vals == np.rint(vals))  # exact integer noise
    assert abs(vals.mean() - len(t)) < 0.15
    p = math.exp(-1.0)
    var = 2 * p / (1 - p) ** 2  # discrete Laplace(1)
    assert 0.8 < vals.var() / var < 1.25  # a 1.5x scale error gives 2.25 (or 0.44)


def test_same_seed_gives_fresh_noise_unless_reproducible_test_mode() -> None:
    t = tiny_table()
    stats = [{"stat": "count"}, {"stat": "mean", "column": "age"}, {"stat": "quantile", "column": "age", "q": 0.5}]
    agg = DPAggregate({"statistics": stats, "clip_counts": False})
    a = agg.release(t, budget=make_budget(1.0, 0.0), seed=5).df
    b = agg.release(t, budget=make_budget(1.0, 0.0), seed=5).df
    assert not a.equals(b)
    assert a["q50_age"][0] != b["q50_age"][0]  # the quantile's exponential-mechanism draws are fresh too
    c, d = make_budget(1.0, 0.0), make_budget(1.0, 0.0)
    c.noise, d.noise = NoiseSource.reproducible(5), NoiseSource.reproducible(5)
    pd.testing.assert_frame_equal(agg.release(t, budget=c, seed=5).df, agg.release(t, budget=d, seed=5).df)


@pytest.mark.slow  # statistical/property test: CI runs it; mutation runs use the exact tests
@settings(max_examples=200, deadline=None)
@given(
    lo=st.floats(-50, 50),
    width=st.floats(0.1, 100),
    xs=st.lists(st.floats(-200, 200), min_size=1, max_size=8),
    extra=st.floats(-200, 200),
)
def test_mean_query_moves_by_at_most_the_charged_sensitivity(
    lo: float, width: float, xs: list[float], extra: float
) -> None:
    # finding F6: the centred clipped sum must move by <= half the bound width when one record is added,
    # for any (non-integer) public bounds; the geometric option may not round the values first
    hi = lo + width
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    base = np.sum(np.clip(np.array(xs), lo, hi) - mid)
    added = base + (np.clip(extra, lo, hi) - mid)
    assert abs(added - base) <= half + 1e-9
    agg = DPAggregate(
        {"statistics": [{"stat": "mean", "column": "age"}], "mechanism": "geometric", "bounds": {"age": [lo, hi]}}
    )
    budget = make_budget(1.0, 0.0)
    agg.release(tiny_table(), budget=budget, seed=0)
    assert budget.charges[0].event.params["real_sensitivity"] == pytest.approx(half)


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
