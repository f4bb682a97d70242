"""The shared data transformer: round trips, missing slots, and DP-mode state without data-derived ranges."""

from __future__ import annotations

import numpy as np
import pandas as pd
from safedata_tvae.transformer import DataTransformer

from safedata_core.testing import make_budget, tiny_table


def _fit(table, queries=None):  # type: ignore[no-untyped-def]
    return DataTransformer.fit(
        table, queries=queries, max_modes=5, gmm_rows=500, hist_bins=32, seed=0, component="test"
    )


def test_round_trip_recovers_values_and_missing() -> None:
    table = tiny_table(300, seed=2)
    tr = _fit(table)
    data, codes = tr.transform(table.df, seed=0)
    assert data.shape == (300, tr.output_dim) and codes.shape == (300, 3)
    back = tr.inverse_transform(data)
    np.testing.assert_allclose(back["age"], table.df["age"], atol=0.51)
    income = table.df["income"]
    assert back["income"].isna().equals(income.isna())
    np.testing.assert_allclose(back["income"].dropna(), income.dropna(), rtol=1e-3)
    pd.testing.assert_series_equal(back["region"].astype(object), table.df["region"].astype(object), check_names=False)
    assert back["smoker"].dtype == "boolean"
    assert back["smoker"].equals(table.df["smoker"])


def test_state_round_trip() -> None:
    table = tiny_table(100)
    tr = _fit(table)
    again = DataTransformer.from_dict(tr.to_dict())
    assert again.spans == tr.spans
    np.testing.assert_array_equal(again.transform(table.df, seed=1)[0], tr.transform(table.df, seed=1)[0])


def test_dp_state_holds_public_bounds_not_data_range() -> None:
    from safedata_tvae.dpplan import DPQueries

    table = tiny_table(300)
    budget = make_budget(1.0, 1e-5)
    queries = DPQueries(budget, np.random.default_rng(0), n_counting=3, n_select=0, fraction=0.1, component="test")
    tr = _fit(table, queries)
    age = next(c for c in tr.to_dict()["columns"] if c["name"] == "age")
    assert (age["low"], age["high"]) == (18.0, 90.0)  # the public bounds
    assert table.df["age"].max() < 90  # ... while the data's own maximum is lower
    # under DP every column keeps a missing slot, whether or not the data has missing values
    assert all(c["missing_slot"] for c in tr.to_dict()["columns"])
    assert [c.note for c in budget.charges] == ["test: 'age' mode histogram", "test: 'income' mode histogram"]
