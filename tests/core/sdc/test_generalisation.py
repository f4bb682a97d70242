"""Applying a generalisation node (all or some records) and suppressing outlier records."""

from __future__ import annotations

import numpy as np
import pandas as pd

from safedata_core.sdc import apply_levels, flat_hierarchy, interval_hierarchy, suppress_records


def _df() -> pd.DataFrame:
    return pd.DataFrame({"age": [23.0, 37.0, 41.0], "sex": ["F", "M", "F"], "n": [1, 2, 3]})


def test_apply_levels_all_and_some_records() -> None:
    hier = {"age": interval_hierarchy("age", [10]), "sex": flat_hierarchy("sex")}
    out = apply_levels(_df(), hier, {"age": 1, "sex": 0})
    assert out["age"].tolist() == ["[20, 30)", "[30, 40)", "[40, 50)"] and out["sex"].tolist() == ["F", "M", "F"]
    part = apply_levels(_df(), hier, {"age": 1, "sex": 1}, rows=np.array([False, True, False]))
    assert part["age"].tolist() == [23.0, "[30, 40)", 41.0] and part["sex"].tolist() == ["F", "*", "F"]
    untouched = apply_levels(_df(), hier, {"age": 2}, rows=np.zeros(3, dtype=bool))
    assert untouched.equals(_df())
    assert _df()["age"].tolist() == [23.0, 37.0, 41.0]  # the input is not modified


def test_suppress_records_blanks_numeric_and_stars_text() -> None:
    mask = np.array([True, False, True])
    out = suppress_records(_df(), ["age", "sex"], mask)
    assert np.isnan(out["age"][0]) and out["age"][1] == 37.0 and np.isnan(out["age"][2])
    assert out["sex"].tolist() == ["*", "M", "*"] and out["n"].tolist() == [1, 2, 3]
    same = suppress_records(_df(), ["age", "sex"], np.zeros(3, dtype=bool))
    assert same.equals(_df())
