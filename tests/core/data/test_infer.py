"""Type inference reasons and robustness: missing markers, whitespace, mixed columns."""

from __future__ import annotations

import numpy as np
import pandas as pd

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
