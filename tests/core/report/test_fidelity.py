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
    labels, oc, rc = column_codes(a["n"], pd.Series([-5.0, 500.0, np.nan]))  # type: ignore[misc]
    # out-of-range released values get the open outer bins, missing its own code
    assert [labels[i] for i in rc] == ["< 0", labels[oc.max()], "(missing)"] and labels[oc.max()].startswith("≥")
    assert np.bincount(oc).max() <= 10  # quantile bins: about 100 / 12 values each


def test_a_spike_is_a_bar_of_its_own() -> None:
    """capital_gain-like: 90% zeros; a release that halves the spike shows it (equal widths would hide it)."""
    rng = np.random.default_rng(3)
    gain = np.where(rng.random(3000) < 0.9, 0.0, rng.lognormal(8, 1, 3000).round() + 1)
    halved = np.where((gain == 0) & (rng.random(3000) < 0.5), rng.uniform(1, 200, 3000), gain)
    (m,) = marginal_comparison(pd.DataFrame({"g": gain}), pd.DataFrame({"g": halved}))
    zero = m["labels"].index("0")
    assert m["original"][zero] == pytest.approx(np.mean(gain == 0), abs=1e-4)
    assert m["released"][zero] == pytest.approx(np.mean(halved == 0), abs=1e-4)
    assert m["tvd"] > 0.4


def test_suppressed_cells_are_drawn_as_suppressed() -> None:
    orig = pd.DataFrame({"sex": ["M", "F", "M", "F"] * 25, "edu": ["HS", "BA", "MA", "HS"] * 25, "age": [30.0] * 100})
    sdc = orig.copy().astype(object)
    sdc.loc[:9, "sex"] = np.nan  # blanked by local suppression
    sdc["edu"] = ["*"] * 50 + ["Higher"] * 50  # generalised: top level '*' and a coarser category
    sdc.loc[:4, "age"] = np.nan
    marg = {m["column"]: m for m in marginal_comparison(orig, sdc, aligned=True)}
    sex = dict(zip(marg["sex"]["labels"], marg["sex"]["released"], strict=True))
    assert sex["suppressed"] == pytest.approx(0.1) and "(other)" not in sex and "(missing)" not in sex
    edu = dict(zip(marg["edu"]["labels"], marg["edu"]["released"], strict=True))
    assert edu == {"HS": 0.0, "BA": 0.0, "MA": 0.0, "Higher": 0.5, "suppressed": 0.5}
    age = dict(zip(marg["age"]["labels"], marg["age"]["released"], strict=True))
    assert age["suppressed"] == pytest.approx(0.05) and age["30"] == pytest.approx(0.95)
    # rows not matched (a synthetic release): a blank is a missing value, not a suppression
    unaligned = {m["column"]: m for m in marginal_comparison(orig, sdc)}
    assert "suppressed" not in [
        lab for lab, v in zip(unaligned["sex"]["labels"], unaligned["sex"]["released"], strict=True) if v > 0
    ]
