"""safedata_core.evaluation.encoding: the Gower embedding reproduces Gower distances written out by definition."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from safedata_core.data import Table
from safedata_core.evaluation.encoding import encode_gower


def gower_by_definition(a: pd.Series, b: pd.Series, numeric: dict[str, tuple[float, float]]) -> float:
    """Mean over columns: |x - y| / range for numbers, 0/1 for categories; missing equals missing only."""
    total = 0.0
    for col in a.index:
        x, y = a[col], b[col]
        if pd.isna(x) or pd.isna(y):
            total += 0.0 if (pd.isna(x) and pd.isna(y)) else 1.0
        elif col in numeric:
            lo, hi = numeric[col]
            total += abs(float(x) - float(y)) / (hi - lo)
        else:
            total += 0.0 if x == y else 1.0
    return total / len(a.index)


def encoded_distance(ea, i: int, eb, j: int) -> float:
    return (np.abs(ea.numeric[i] - eb.numeric[j]).sum() + (ea.codes[i] != eb.codes[j]).sum()) / ea.n_columns


@pytest.fixture
def tables():
    real = pd.DataFrame(
        {
            "age": [20.0, 35.0, np.nan, 60.0],
            "income": [1000.0, 2500.0, 4000.0, 1000.0],
            "sex": ["F", "M", None, "F"],
        }
    )
    synth = pd.DataFrame(
        {
            "age": [80.0, np.nan, 20.0],  # 80 widens the joint range beyond the real table's
            "income": [1500.0, 1000.0, 4000.0],
            "sex": ["M", None, "X"],  # X: a category only the second table has
        }
    )
    return Table.from_dataframe(real), Table.from_dataframe(synth)


def test_l1_distance_of_the_embedding_is_the_gower_distance(tables):
    real, synth = tables
    cols = ["age", "income", "sex"]
    er, es = encode_gower([real, synth], cols)
    # ranges over both tables, as anonymeter computes them
    numeric = {"age": (20.0, 80.0), "income": (1000.0, 4000.0)}
    for i in range(len(real.df)):
        for j in range(len(synth.df)):
            expected = gower_by_definition(real.df.iloc[i], synth.df.iloc[j], numeric)
            assert encoded_distance(er, i, es, j) == pytest.approx(expected, abs=1e-12)
    # within one table too
    for i in range(len(real.df)):
        for j in range(len(real.df)):
            expected = gower_by_definition(real.df.iloc[i], real.df.iloc[j], numeric)
            assert encoded_distance(er, i, er, j) == pytest.approx(expected, abs=1e-12)


def test_shapes_codes_and_take(tables):
    real, synth = tables
    er, es = encode_gower([real, synth], ["age", "income", "sex"])
    # age has missing values: two embedding coordinates; income none: one
    assert er.numeric.shape == (4, 3) and es.numeric.shape == (3, 3)
    assert er.codes.dtype == np.int32 and er.codes.shape == (4, 1)
    assert er.cardinalities == (4,)  # F, M, X and the missing code
    assert er.n_columns == 3 and len(er) == 4
    # the same category gets the same code in both tables, missing its own code
    assert er.codes[0, 0] == er.codes[3, 0] and er.codes[1, 0] == es.codes[0, 0]
    assert er.codes[2, 0] == es.codes[1, 0] == 3
    sub = er.take(np.array([3, 0]))
    assert np.array_equal(sub.numeric, er.numeric[[3, 0]]) and np.array_equal(sub.codes, er.codes[[3, 0]])


def test_a_constant_or_empty_numeric_column_gives_zero_distances():
    t = Table.from_dataframe(pd.DataFrame({"x": [5.0, 5.0, 5.0]}))
    (e,) = encode_gower([t], ["x"])
    assert np.all(e.numeric == 0.0)
    (none,) = encode_gower([t], [])
    assert none.numeric.shape == (3, 0) and none.codes.shape == (3, 0) and none.n_columns == 0
