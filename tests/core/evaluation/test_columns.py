"""Column helpers (safedata_core/evaluation/columns.py): the default column set, numbers from columns, a proxy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from safedata_core.data import ColumnMeta, Metadata, Table
from safedata_core.errors import DataError
from safedata_core.evaluation.columns import as_numbers, is_numeric_column, resolve_columns, shuffled_marginals
from safedata_core.testing.fixtures import tiny_table


def _with_roles() -> Table:
    df = pd.DataFrame({"ssn": ["1", "2"], "w": [1.0, 2.0], "note": ["a", "b"], "age": [30, 40], "sex": ["F", "M"]})
    meta = Metadata(
        columns={
            "ssn": ColumnMeta(type="categorical", role="direct_identifier"),
            "w": ColumnMeta(type="numerical", role="weight"),
            "note": ColumnMeta(type="text"),
            "age": ColumnMeta(type="integer"),
            "sex": ColumnMeta(type="categorical"),
        }
    )
    return Table(df, meta)


def test_default_columns_leave_out_identifiers_weights_text_and_unshared() -> None:
    original = _with_roles()
    released = original.with_df(original.df.drop(columns=["sex"]))
    assert resolve_columns(None, original, where="m") == ["age", "sex"]
    assert resolve_columns(None, original, released, None, where="m") == ["age"]
    assert resolve_columns(None, original, where="m", exclude_text=False) == ["note", "age", "sex"]


def test_named_columns_are_checked_in_every_table_with_one_line_errors() -> None:
    original = _with_roles()
    released = original.with_df(original.df.drop(columns=["sex"]))
    assert resolve_columns(["ssn"], original, released, where="m") == ["ssn"]  # named: used as given
    with pytest.raises(DataError, match=r"m \(released table\)"):
        resolve_columns(["sex"], original, released, where="m")
    with pytest.raises(DataError, match="'columns' is empty"):
        resolve_columns([], original, where="m")
    with pytest.raises(DataError, match="share no usable column"):
        resolve_columns(None, original, original.with_df(pd.DataFrame({"other": [1, 2]})), where="m")


def test_numbers_from_numeric_and_datetime_columns() -> None:
    table = tiny_table(20)
    assert is_numeric_column(table, "age") and not is_numeric_column(table, "sex")
    dates = pd.Series(pd.to_datetime(["2020-01-01", None]))
    out = as_numbers(dates)
    assert out[0] == pd.Timestamp("2020-01-01").value and np.isnan(out[1])
    assert np.array_equal(as_numbers(pd.Series(["1", "x", None])), [1.0, np.nan, np.nan], equal_nan=True)


def test_shuffled_marginals_keep_each_columns_values() -> None:
    table = tiny_table(50, with_missing=False)
    proxy = shuffled_marginals(table, 80, seed=1)
    assert len(proxy.df) == 80 and list(proxy.df.columns) == list(table.df.columns)
    for col in table.df.columns:
        assert set(proxy.df[col]) <= set(table.df[col])
    assert proxy.df.equals(shuffled_marginals(table, 80, seed=1).df)
