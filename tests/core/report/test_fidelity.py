"""Marginal comparisons and association differences on tables with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from safedata_core.report.fidelity import association_difference, column_codes, marginal_comparison


def frame(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame(
        {"x": x, "y": x * 2 + rng.normal(scale=0.1, size=n), "c": np.where(x > 0, "hi", "lo").astype(object)}
    )


def test_identical_tables_have_zero_distance() -> None:
    df = frame()
    for m in marginal_comparison(df, df.copy()):
        assert m["comparable"] and m["tvd"] == 0
    assoc = association_difference(df, df.copy())
    assert assoc is not None and assoc["max_difference"] == 0


def test_shuffled_columns_lose_association_but_keep_marginals() -> None:
    df = frame()
    rng = np.random.default_rng(1)
    shuffled = df.apply(lambda s: s.sample(frac=1, random_state=int(rng.integers(1e6))).to_numpy())
    marg = {m["column"]: m for m in marginal_comparison(df, shuffled)}
    assert all(m["tvd"] == pytest.approx(0, abs=1e-12) for m in marg.values())
    assoc = association_difference(df, shuffled)
    assert assoc is not None
    i, j = assoc["columns"].index("x"), assoc["columns"].index("c")
    assert assoc["original"][i][j] > 0.9 and assoc["difference"][i][j] > 0.8


def test_known_tvd_and_missing_and_type_change() -> None:
    a = pd.DataFrame({"c": ["a"] * 50 + ["b"] * 50, "n": np.arange(100.0)})
    b = pd.DataFrame({"c": ["a"] * 80 + [np.nan] * 20, "n": ["0-49"] * 100})
    marg = {m["column"]: m for m in marginal_comparison(a, b)}
    assert marg["c"]["tvd"] == pytest.approx(0.5)  # 30 points moved to 'a', 20 to missing; b lost 50
    assert "(missing)" in marg["c"]["labels"]
    assert not marg["n"]["comparable"] and marg["n"]["released_categories"] == {"0-49": 1.0}
    _labels, oc, rc = column_codes(a["n"], pd.Series([-5.0, 500.0, np.nan]))  # type: ignore[misc]
    assert rc.tolist() == [0, 11, 12] and oc.max() == 11
