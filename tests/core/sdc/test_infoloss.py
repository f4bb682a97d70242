"""Information-loss measures on tiny tables with hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from safedata_core.sdc import discernibility, generalisation_height, nonuniform_entropy, sse_sst


def test_sse_sst_by_hand() -> None:
    orig = pd.DataFrame({"x": [1.0, 2.0, 3.0, np.nan], "c": [5.0, 5.0, 5.0, 5.0], "y": [0.0, 2.0, 4.0, 6.0]})
    rel = pd.DataFrame({"x": [1.0, 2.0, 4.0, 9.0], "c": [1.0, 5.0, 5.0, 5.0], "y": [0.0, 2.0, 4.0, np.nan]})
    out = sse_sst(orig, rel, ["x", "c", "y"])
    # x: sd = sqrt(2/3) on the 3 pairs present; SSE = 1 / sd^2, SST = 2 / sd^2 -> 50%
    assert out["per_column"]["x"] == pytest.approx(50.0)
    assert out["per_column"]["c"] == 0.0  # a constant column has no spread to lose
    assert out["per_column"]["y"] == 0.0  # unchanged where both sides are present
    sd_y = float(np.std([0.0, 2.0, 4.0, 6.0]))
    sse = 1 / (2 / 3)
    sst = 2 / (2 / 3) + 8 / sd_y**2
    assert out["sse_sst_percent"] == pytest.approx(100 * sse / sst)
    with np.errstate(invalid="ignore"), pytest.warns(RuntimeWarning):
        empty = sse_sst(orig.iloc[:0], rel.iloc[:0], ["x"])
    assert empty == {"sse_sst_percent": 0.0, "per_column": {"x": 0.0}}


def test_nonuniform_entropy_by_hand() -> None:
    orig = pd.DataFrame({"a": ["x", "x", "y", "z"]})
    rel = pd.DataFrame({"a": ["*", "*", "*", "z"]})
    # cells 1-2: log2(3/2) each, cell 3: log2(3/1), cell 4 unchanged
    assert nonuniform_entropy(orig, rel, ["a"]) == pytest.approx(2 * math.log2(1.5) + math.log2(3))
    assert nonuniform_entropy(orig, orig, ["a"]) == 0.0
    # a released value rarer than the original counts as no loss (never negative)
    assert nonuniform_entropy(pd.DataFrame({"a": ["x", "x"]}), pd.DataFrame({"a": ["x", "y"]}), ["a"]) == 0.0


def test_discernibility_and_height() -> None:
    df = pd.DataFrame({"a": ["x", "x", "y", "z", "z", "z"]})
    assert discernibility(df, ["a"]) == 4 + 1 + 9
    assert discernibility(df, ["a"], suppressed=np.array([False, False, True, False, False, False])) == 4 + 9 + 6
    h = generalisation_height({"a": 1, "b": 2}, {"a": 2, "b": 4, "c": 9})
    assert h == {"height": 3, "max_height": 6, "relative_height": 0.5, "levels": {"a": 1, "b": 2}}
    assert generalisation_height({"a": 0}, {"a": 0})["relative_height"] == 0.0


def test_entropy_sums_over_columns_and_counts_missing_as_a_value() -> None:
    orig = pd.DataFrame({"a": ["x", "x", "y", "z"], "b": [1.0, np.nan, np.nan, 2.0]})
    rel = pd.DataFrame({"a": ["*", "*", "*", "z"], "b": [np.nan, np.nan, np.nan, 2.0]})
    # a: 2 log2(3/2) + log2(3); b: record 0 joins the two missing ones: log2(3/1), records 1-2: log2(3/2) each
    want = 2 * math.log2(1.5) + math.log2(3) + math.log2(3) + 2 * math.log2(1.5)
    assert nonuniform_entropy(orig, rel, ["a", "b"]) == pytest.approx(want)


def test_discernibility_takes_any_boolean_like_mask() -> None:
    df = pd.DataFrame({"a": ["x", "x", "y"]})
    assert discernibility(df, ["a"], suppressed=[0, 0, 1]) == 4 + 3


def test_sse_sst_column_constant_on_its_released_rows_reports_zero() -> None:
    # x varies (sd > 0) but the rows released in both tables all hold 1.0: SST over them is 0 -> 0.0 by definition
    orig = pd.DataFrame({"x": [1.0, 1.0, 5.0], "y": [0.0, 1.0, 2.0]})
    rel = pd.DataFrame({"x": [1.0, 1.0, np.nan], "y": [0.0, 1.0, 4.0]})
    out = sse_sst(orig, rel, ["x", "y"])
    assert out["per_column"]["x"] == 0.0
    # y alone: z = y / sd(y), sd = sqrt(2/3); SSE = 4 / (2/3) = 6, SST = 2 / (2/3) = 3 -> 200 %
    assert out["per_column"]["y"] == pytest.approx(200.0)
    assert out["sse_sst_percent"] == pytest.approx(200.0)
