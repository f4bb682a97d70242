"""Local suppression reaches k on random tables (property test) and touches only treatable rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from safedata_core.inventory.risk import class_sizes
from safedata_core.sdc import local_suppression


def random_table(seed: int, n: int, n_cols: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = {f"q{j}": rng.choice(list("abcdefg")[: 2 + j], n).astype(object) for j in range(n_cols)}
    data["num"] = rng.integers(0, 6, n).astype(float)
    return pd.DataFrame(data)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(5, 80), n_cols=st.integers(1, 4))
def test_every_class_reaches_k(seed: int, n: int, n_cols: int) -> None:
    df = random_table(seed, n, n_cols)
    qis = [*(f"q{j}" for j in range(n_cols)), "num"]
    res = local_suppression(df, qis, 5)
    assert res.k_reached
    assert class_sizes(res.df, qis).min() >= 5
    # only QI cells are blanked, never invented
    changed = res.df[qis].notna().to_numpy() & (res.df[qis].astype(object).to_numpy() != df[qis].to_numpy())
    assert not changed.any()
    assert res.mask.sum() == (res.df[qis].isna().to_numpy() & df[qis].notna().to_numpy()).sum()


def test_targeted_rows_only() -> None:
    df = pd.DataFrame({"a": ["x"] * 10 + ["y"], "b": ["u"] * 11})
    rows = np.zeros(11, dtype=bool)
    rows[10] = True
    res = local_suppression(df, ["a", "b"], 5, rows=rows)
    # the unique record loses both QIs but nobody else may be blanked to join it
    assert res.mask.sum() == 2 and res.mask[10].all()
    assert res.df.iloc[:10].equals(df.iloc[:10])
    assert res.k_reached is False


def test_blank_class_is_padded_from_the_largest_class() -> None:
    df = pd.DataFrame({"a": ["x"] * 10 + ["y"], "b": ["u"] * 11})
    res = local_suppression(df, ["a", "b"], 5)
    assert res.k_reached
    assert sorted(np.unique(class_sizes(res.df, ["a", "b"])).tolist()) == [5, 6]


def test_one_cell_is_enough_when_it_joins_a_class() -> None:
    df = pd.DataFrame({"a": [np.nan] * 10 + ["x", "y"], "b": ["u"] * 10 + ["v", "u"]}).astype(object)
    res = local_suppression(df, ["a", "b"], 5)
    # record 11 (y, u): blanking 'a' puts it with the ten (NaN, u); record 10 (x, v) ends all blank,
    # and the blank class is padded with 4 records of the (NaN, u) class
    assert res.mask[11].tolist() == [True, False]
    assert res.mask.sum() == 1 + 2 + 4
    assert class_sizes(res.df, ["a", "b"]).min() >= 5


def test_rounds_count_the_rounds_that_blanked_cells() -> None:
    # already 5-anonymous: no round blanks anything
    df = pd.DataFrame({"a": ["x"] * 5 + ["y"] * 5, "b": ["u"] * 10})
    res = local_suppression(df, ["a", "b"], 5)
    assert res.rounds == 0 and res.mask.sum() == 0 and res.k_reached
    # one round: the lone (y, u) blanks 'a' and joins the five (missing, u); the second round finds no one below 5
    df = pd.DataFrame({"a": [np.nan] * 5 + ["y"], "b": ["u"] * 6}).astype(object)
    res = local_suppression(df, ["a", "b"], 5)
    assert res.rounds == 1 and res.mask[:, 0].tolist() == [False] * 5 + [True] and res.mask[:, 1].sum() == 0
    assert res.k_reached
