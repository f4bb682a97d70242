"""Text columns cleaned and coded once (data/codes.py) give the same values and types as the per-row rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from safedata_core.data import Table
from safedata_core.data.codes import is_text_column, text_codes
from safedata_core.data.infer import MISSING_MARKERS, clean_missing, infer_column_type
from safedata_core.data.normalize import normalize_frame, texts_normalized


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 400
    return pd.DataFrame(
        {
            "spaces": rng.choice([" x", "x ", "y", "?", "NA", None, "Montre\u0301al", "Montréal"], n),
            "grouped": rng.choice(["1", "2", " 3", "1,000", "2,500", "?"], n),
            "yesno": rng.choice(["yes", "No", None], n),
            "dates": rng.choice(
                [f"2019-01-{i:02d}" for i in range(1, 29)] + [f"2018-02-{i:02d}" for i in range(1, 29)], n
            ),
            "cat": pd.Series(pd.Categorical(rng.choice(["u", "v "], n), categories=["u", "v ", "w"])),
            "string": pd.Series(rng.choice(["p", "q", None], n), dtype="string"),
            "mixed": rng.choice(np.array([1, "1", 2.5, "a", True], dtype=object), n),
            "ids": [f"id{k}" for k in range(n)],
        }
    )


@pytest.mark.parametrize("name", list(_frame().columns))
def test_text_codes_equal_the_per_row_rules(name: str) -> None:
    df = _frame()
    col = df[name]
    assert is_text_column(col)
    tc = text_codes(col, MISSING_MARKERS)
    expected = clean_missing(normalize_frame(df[[name]])[name])
    got = pd.Series(tc.spread(tc.distinct.array), dtype="string")
    pd.testing.assert_series_equal(got, expected.astype("string").reset_index(drop=True), check_names=False)
    assert infer_column_type(col, coded=tc) == infer_column_type(col, cleaned=expected)


def test_table_keeps_the_per_row_result() -> None:
    df = _frame()
    table = Table.from_dataframe(df)
    assert table.metadata.columns["grouped"].type == "integer"
    assert table.metadata.columns["grouped"].bounds == (1.0, 2500.0)
    assert table.metadata.columns["yesno"].type == "boolean"
    assert table.metadata.columns["cat"].categories == ["u", "v"]  # unused 'w' is not a value
    spaces = table.df["spaces"]
    assert set(spaces.dropna()) == {"x", "y", "Montréal"}  # stripped, NFC, '?' and 'NA' missing
    assert (
        spaces.dtype == object and spaces.isna().sum() == (df["spaces"].isin(["?", "NA"]) | df["spaces"].isna()).sum()
    )


def test_texts_normalized_never_says_yes_wrongly() -> None:
    assert texts_normalized(["a", "b c"])
    for values in (["a", " b"], ["a\t"], ["e\u0301"], ["x\xa0"], [1, "a"], [""]):
        assert not texts_normalized(values)
