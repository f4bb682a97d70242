"""Type inference reasons and robustness: missing markers, whitespace, mixed columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from safedata_core.data.infer import clean_missing, infer_column_type, infer_metadata


def test_clean_missing_strips_and_maps_markers() -> None:
    s = pd.Series([" a", "?", None, np.nan, "b ", 3, "NA", "a", "  "], name="x")
    out = clean_missing(s)
    assert out.name == "x" and str(out.dtype) == "string"
    assert out.tolist() == ["a", pd.NA, pd.NA, pd.NA, "b", "3", pd.NA, "a", pd.NA]


def test_reasons_name_markers_and_mixed_values() -> None:
    ctype, reason = infer_column_type(pd.Series([" 1", "2", "?", "3 ", None] * 20))
    assert ctype == "integer" and "20 missing-value markers" in reason
    ctype, reason = infer_column_type(pd.Series(["1", "2", "x", "3"] * 10))
    assert ctype == "categorical" and reason.startswith("mixed values: 75% numbers")
    assert infer_column_type(pd.Series(["yes", "no", " yes"]))[0] == "boolean"
    assert infer_column_type(pd.Series([1.5, 2.0, np.nan]))[0] == "numerical"


def test_large_text_column_uses_a_probe_but_keeps_the_type() -> None:
    rng = np.random.default_rng(0)
    nums = pd.Series(rng.integers(0, 10**6, 50_000).astype(str))
    assert infer_column_type(nums)[0] == "integer"
    words = pd.Series(rng.choice(["alpha", "beta", "gamma"], 50_000))
    assert infer_column_type(words) == ("categorical", "3 distinct non-numeric values")
    meta = infer_metadata(pd.DataFrame({"n": nums, "w": words}))
    assert meta.columns["w"].categories == ["alpha", "beta", "gamma"] and meta.columns["n"].inferred


def test_thousands_separators_read_as_numbers_when_unambiguous() -> None:
    amounts = pd.Series(["1,000", "12,500", "950", "1,234,567.5", None])
    assert infer_column_type(amounts)[0] == "numerical"
    assert "thousands separators" in infer_column_type(amounts)[1]
    assert infer_column_type(pd.Series(["1,000", "2,000", "300"]))[0] == "integer"
    # a decimal comma, or a broken group, is ambiguous: the column stays text
    assert infer_column_type(pd.Series(["1,5", "2,25", "3"]))[0] == "categorical"
    assert infer_column_type(pd.Series(["1,00", "2,000"]))[0] == "categorical"


def test_thousands_separators_become_values() -> None:
    from safedata_core import Table

    t = Table.from_dataframe(pd.DataFrame({"amount": ["1,000", "12,500", None], "x": ["a", "b", "c"]}))
    assert t.df["amount"].tolist()[:2] == [1000.0, 12500.0] and t.metadata.columns["amount"].bounds == (1000, 12500)


def test_whole_numbers_beyond_2_53() -> None:
    assert infer_column_type(pd.Series([2**63 + 1, 2**63 + 5], dtype="uint64"))[0] == "categorical"
    assert infer_column_type(pd.Series([str(2**70), "5"]))[0] == "categorical"
    assert infer_column_type(pd.Series([1e300, 2e300]))[0] == "numerical"  # real numbers, not integers


def test_infinities_are_refused_naming_the_column() -> None:
    from safedata_core import DataError

    for values in ([1.0, np.inf, 2.0], ["1", "inf", "-Infinity"]):
        with pytest.raises(DataError, match="column 'v' holds .* infinite value"):
            infer_metadata(pd.DataFrame({"v": values}))


def test_infer_metadata_of_some_columns_only() -> None:
    df = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "x"], "c": [0.5, 1.5, 2.5]})
    meta = infer_metadata(df, columns=["c", "a"])
    assert list(meta.columns) == ["a", "c"]  # the frame's order
    assert meta.columns["a"].type == "integer" and meta.columns["c"].bounds == (0.5, 2.5)
    assert list(infer_metadata(df).columns) == ["a", "b", "c"]
