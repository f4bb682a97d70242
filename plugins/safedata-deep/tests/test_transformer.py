"""The shared data transformer: round trips, missing slots, non-nullable columns, DP-mode state without data ranges."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from safedata_deep.dpplan import DPQueries
from safedata_deep.transformer import DataTransformer

from safedata_core import ComponentError, Table
from safedata_core.data import ColumnMeta, Metadata
from safedata_core.privacy import NoiseSource
from safedata_core.testing import make_budget, tiny_metadata, tiny_table


def _fit(table, queries=None):  # type: ignore[no-untyped-def]
    return DataTransformer.fit(
        table, queries=queries, max_modes=5, gmm_rows=500, hist_bins=32, seed=0, component="test"
    )


def _queries(epsilon: float = 1.0, delta: float = 1e-5, n_counting: int = 3, n_select: int = 0) -> DPQueries:
    budget = make_budget(epsilon, delta)
    budget.noise = NoiseSource.reproducible(0)
    return DPQueries(budget, n_counting=n_counting, n_select=n_select, fraction=0.1, component="test")


def test_round_trip_recovers_values_and_missing() -> None:
    table = tiny_table(300, seed=2)
    tr = _fit(table)
    data, codes = tr.transform(table.df, np.random.default_rng(0))
    assert data.shape == (300, tr.output_dim) and codes.shape == (300, 3)
    back = tr.inverse_transform(data)
    np.testing.assert_allclose(back["age"], table.df["age"], atol=0.51)
    income = table.df["income"]
    assert back["income"].isna().equals(income.isna())
    np.testing.assert_allclose(back["income"].dropna(), income.dropna(), rtol=1e-3)
    pd.testing.assert_series_equal(back["region"].astype(object), table.df["region"].astype(object), check_names=False)
    assert back["smoker"].dtype == "boolean"
    assert back["smoker"].equals(table.df["smoker"])


def test_state_round_trip_and_mode_draws_come_from_the_given_generator() -> None:
    table = tiny_table(100)
    tr = _fit(table)
    again = DataTransformer.from_dict(tr.to_dict())
    assert again.spans == tr.spans
    enc = lambda t, s: t.transform(table.df, np.random.default_rng(s))[0]  # noqa: E731
    np.testing.assert_array_equal(again.transform(table.df, np.random.default_rng(1))[0], enc(tr, 1))
    # the numeric modes are sampled from the posterior with the caller's generator, nothing else
    assert not np.array_equal(enc(tr, 1), enc(tr, 2))


def test_dp_state_holds_public_bounds_not_data_range() -> None:
    table = tiny_table(300)
    queries = _queries()
    tr = _fit(table, queries)
    age = next(c for c in tr.to_dict()["columns"] if c["name"] == "age")
    assert (age["low"], age["high"]) == (18.0, 90.0)  # the public bounds
    assert table.df["age"].max() < 90  # ... while the data's own maximum is lower
    # under DP every column keeps a missing slot, whether or not the data has missing values
    assert all(c["missing_slot"] for c in tr.to_dict()["columns"])
    assert [c.note for c in queries.budget.charges] == ["test: 'age' mode histogram", "test: 'income' mode histogram"]


def _non_nullable_table() -> Table:
    meta = tiny_metadata()
    cols = dict(meta.columns)
    for name in ("income", "region"):  # both hold missing values in tiny_table
        cols[name] = cols[name].model_copy(update={"nullable": False})
    return Table.from_dataframe(tiny_table(300).df, Metadata(columns=cols))


@pytest.mark.parametrize("dp", [True, False], ids=["dp", "non-private"])
def test_non_nullable_columns_never_decode_to_missing(dp: bool) -> None:
    table = _non_nullable_table()
    tr = _fit(table, _queries() if dp else None)
    mask = tr.allowed_mask()
    by_name = {c.name: c for c in tr.columns}
    softmax = [s for s in tr.spans if s.activation == "softmax"]
    for col, span in zip(tr.columns, softmax, strict=True):
        # the missing slot exists (the data has missing values) but is masked exactly for non-nullable columns
        assert bool(mask[span.end - 1]) == (col.nullable or not col.missing_slot), col.name
    assert not by_name["income"].nullable and by_name["income"].missing_slot
    # model output that prefers the missing slot everywhere: non-nullable columns still get a value
    logits = np.random.default_rng(0).normal(size=(500, tr.output_dim))
    for span in softmax:
        logits[:, span.end - 1] += 10.0
    out = tr.inverse_transform(logits)
    assert out["income"].notna().all() and out["region"].notna().all()
    if dp:  # under DP every column has a missing slot; a nullable one (the default) may generate it
        assert out["age"].isna().all()


def test_dp_selection_with_no_category_in_a_non_nullable_column_is_refused() -> None:
    df = pd.DataFrame({"c": ["a", "b", "c", "d"] * 5})
    table = Table.from_dataframe(df, Metadata(columns={"c": ColumnMeta(type="categorical", nullable=False)}))
    # 5 rows per category at epsilon 0.01 / delta 1e-9 are far below the selection threshold
    with pytest.raises(ComponentError, match="nullable: false"):
        _fit(table, _queries(epsilon=0.1, delta=1e-8, n_counting=0, n_select=1))
