"""Singling-out predicates: batched counting and anonymeter's query rules."""

from __future__ import annotations

import numpy as np

from safedata_core.evaluation import queries as q
from safedata_core.evaluation.roc import roc_summary, tpr_at_fpr
from safedata_core.testing.fixtures import tiny_table


def test_count_matches_equals_pandas_filter() -> None:
    t = tiny_table(300, seed=0)
    cols = ["age", "income", "sex", "region"]
    (data,), _kinds = q.encode_for_queries([t], cols)
    batch = q.QueryBatch(
        cols=np.array([[0, 2], [1, 3], [3, 0]]),
        ops=np.array([[q.GE, q.EQ], [q.LE, q.NE], [q.ISNULL, q.LT]]),
        vals=np.array([[50, 0.0], [20000.0, 1.0], [np.nan, 40]]),
    )
    df = t.df
    sex0 = df["sex"].iloc[0]
    region_codes = {v: i for i, v in enumerate(df["region"].dropna().unique())}
    region1 = next(k for k, v in region_codes.items() if v == 1)
    want = [
        int(((df["age"] >= 50) & (df["sex"] == sex0)).sum()),
        int(((df["income"] <= 20000) & df["region"].notna() & (df["region"] != region1)).sum()),
        int((df["region"].isna() & (df["age"] < 40)).sum()),
    ]
    assert list(q.count_matches(data, batch)) == want


def test_univariate_queries_single_out_one_row() -> None:
    t = tiny_table(300, seed=1)
    (data,), kinds = q.encode_for_queries([t], t.columns)
    found = q.univariate_queries(data, kinds, 50, np.random.default_rng(0))
    assert 0 < len(found) <= 50
    assert np.all(q.count_matches(data, found) == 1)
    assert len(set(k.tobytes() for k in found.keys())) == len(found)


def test_multivariate_queries_single_out_one_row() -> None:
    t = tiny_table(300, seed=2)
    (data,), kinds = q.encode_for_queries([t], t.columns)
    found, attempts = q.multivariate_queries(data, kinds, 20, 3, np.random.default_rng(1), max_attempts=20_000)
    assert len(found) == 20 and attempts >= 20
    assert np.all(q.count_matches(data, found) == 1)


def test_singling_out_integral_matches_numeric_integration() -> None:
    n, w = 500, 0.01
    grid = np.linspace(0, w, 200_001)
    numeric = np.trapezoid(n * grid * (1 - grid) ** (n - 1), grid)
    assert abs(float(q.singling_out_integral(n, 0.0, w)) - numeric) < 1e-8


def test_roc_summary() -> None:
    pos, neg = np.arange(10, 20.0), np.arange(0, 10.0)
    assert roc_summary(pos, neg)["auc"] == 1.0
    assert roc_summary(neg, neg)["auc"] == 0.5
    # 1% of 100 non-members: one false positive allowed, so the threshold is the second-highest (98)
    assert tpr_at_fpr(np.array([5.0, 98.5]), np.arange(100.0), 0.01) == 0.5
    assert tpr_at_fpr(np.array([5.0, 98.5]), np.arange(100.0), 0.001) == 0.0


def test_capped_counts_equal_full_counts_capped() -> None:
    t = tiny_table(3000, seed=2)
    (data,), kinds = q.encode_for_queries([t], t.columns)
    rng = np.random.default_rng(3)
    batch = q.random_queries(data, kinds, 400, 2, rng)
    full = q.count_matches(data, batch)
    assert full.max() > 2 and (full == 1).any() and (full == 0).any()  # the test covers every outcome
    for cap in (1, 2, 5):
        np.testing.assert_array_equal(q.count_matches_capped(data, batch, cap, first_block=64), np.minimum(full, cap))
