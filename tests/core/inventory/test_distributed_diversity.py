"""Dask l-diversity / t-closeness (shuffle by class) equal the local figures of ``diversity``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from safedata_core.inventory.distributed_diversity import _specs, exact_quantiles, lt_distributed, lt_distributed_many
from safedata_core.inventory.diversity import l_diversity, t_closeness

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def session() -> Iterator[Any]:
    from safedata_core.execution import dask_session

    with dask_session("local", processes=False) as s:
        yield s


def table(n: int = 3000, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.integers(16, 60, n).astype(float)
    age[rng.random(n) < 0.05] = np.nan
    income = np.round(rng.lognormal(9, 0.7, n), 2)  # cents: about one value per record
    income[rng.random(n) < 0.04] = np.nan
    income[rng.random(n) < 0.1] = 5000.0  # a heavy tie
    return pd.DataFrame(
        {
            "age": age,
            "sex": rng.choice(["F", "M", None], n, p=[0.49, 0.49, 0.02]),
            "income": income,
            "diagnosis": rng.choice(["a", "b", "c", None], n, p=[0.6, 0.3, 0.08, 0.02]),
            "flag": rng.random(n) < 0.2,
            "small": rng.choice([1.0, 2.0, 3.0, np.nan], n),
            "empty": np.full(n, np.nan),
        }
    )


def both(df: pd.DataFrame, qis: list[str], s: str, parts: int = 7) -> tuple[Any, Any]:
    import dask.dataframe as dd

    want = (l_diversity(df, qis, s), t_closeness(df, qis, s))
    got = lt_distributed(dd.from_pandas(df, npartitions=parts), qis, s, df.sample(500, random_state=1))
    return want, got


@pytest.mark.parametrize("sensitive", ["income", "diagnosis", "flag", "small", "empty"])
@pytest.mark.parametrize("qis", [["age", "sex"], ["sex"]])
def test_equal_to_the_local_figures(session: Any, sensitive: str, qis: list[str]) -> None:
    (lw, tw), (lg, tg) = both(table(), qis, sensitive)
    assert lg["l"] == lw["l"] and lg["records_with_l_below"] == lw["records_with_l_below"]
    assert lg["mean_l"] == lw["mean_l"]  # a sum of integers: exact
    assert (tg["bins"], tg["ordered"], tg["t"]) == (tw["bins"], tw["ordered"], tw["t"])
    assert tg["mean_t"] == pytest.approx(tw["mean_t"], rel=1e-12, abs=1e-15)  # summation order only


def test_quantile_bins_are_used_for_cents(session: Any) -> None:
    (_, tw), (_, tg) = both(table(), ["age", "sex"], "income")
    assert tw["bins"] > 10 and tg == pytest.approx(tw)


def test_without_quasi_identifiers(session: Any) -> None:
    (lw, tw), (lg, tg) = both(table(500), [], "diagnosis", parts=3)
    assert lg == lw and tg == tw


def test_exact_quantiles_are_numpys_bit_for_bit(session: Any) -> None:
    import dask.dataframe as dd

    rng = np.random.default_rng(0)
    x = np.concatenate([np.round(rng.normal(0, 100, 20000), 2), np.full(3000, 7.0), rng.integers(0, 5, 500)])
    rng.shuffle(x)
    ddf = dd.from_pandas(pd.DataFrame({"x": x}), npartitions=9)
    qs = np.linspace(0, 1, 41)
    got = exact_quantiles(ddf, "x", len(x), qs, rng.choice(x, 300))
    assert np.array_equal(got, np.quantile(x, qs))


def test_all_sensitive_columns_in_one_shuffle_equal_the_local_figures(session: Any) -> None:
    import dask.dataframe as dd

    df = table().assign(flag_qi=lambda d: d["flag"].astype("boolean").mask(d["small"].isna()))
    qis, cols = ["age", "sex", "flag_qi"], ["income", "diagnosis", "flag", "small", "empty"]
    got = lt_distributed_many(dd.from_pandas(df, npartitions=5), qis, cols, df.sample(400, random_state=2))
    assert list(got) == cols
    for s in cols:
        (lg, tg), lw, tw = got[s], l_diversity(df, qis, s), t_closeness(df, qis, s)
        assert lg == lw and (tg["bins"], tg["t"]) == (tw["bins"], tw["t"])
        assert tg["mean_t"] == pytest.approx(tw["mean_t"], rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("sensitive", ["income", "small", "empty", "flag"])
def test_without_quasi_identifiers_numeric(session: Any, sensitive: str) -> None:
    (lw, tw), (lg, tg) = both(table(800), [], sensitive, parts=3)
    assert lg == lw and tg == tw


def test_bin_counts_without_a_pass_equal_a_counting_pass(session: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import dask.dataframe as dd

    import safedata_core.inventory.distributed_diversity as mod

    def no_pass(*args: Any) -> None:
        raise AssertionError("the bin counts needed a counting pass")

    monkeypatch.setattr(mod, "_count_below_part", no_pass)
    from safedata_core.inventory.distributed_diversity import summary_merge, summary_part, summary_plan
    from safedata_core.inventory.diversity import sensitive_codes

    df = table(5000, seed=8)
    ddf = dd.from_pandas(df[["income"]], npartitions=4)
    plan = summary_plan(ddf, ["income"], df.sample(300, random_state=0))
    summary = summary_merge([summary_part(df[["income"]].iloc[i::4], plan) for i in range(4)])
    spec = _specs(ddf, summary, plan)["income"]
    codes, m, _ = sensitive_codes(df["income"])
    assert spec["m"] == m and np.array_equal(spec["q_counts"], np.bincount(codes, minlength=m))
